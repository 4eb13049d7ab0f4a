#include "src/workflows/backup/backup_bundle.hpp"

#include <fmt/format.h>

#include "nv/calibration_codec.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::workflows {

namespace {

constexpr const char* kLayout = "cellrescue-calibration/1";

std::string hex32(std::uint32_t v) {
    return v ? fmt::format("{:#010x}", v) : std::string();
}

std::uint32_t parse_hex32(const std::string& text) {
    if (text.empty()) return 0;
    try {
        return static_cast<std::uint32_t>(std::stoul(text, nullptr, 16));
    } catch (const std::exception&) {
        throw DecodeError("calibration bundle: bad number '" + text + "' in the identity");
    }
}

std::string efs_entry_name(nv::EfsGroup g, std::size_t i) {
    return fmt::format("efs/{}/{:08X}", nv::storage_name(g), i);
}

[[noreturn]] void bad(const std::string& source, const std::string& what) {
    throw DecodeError(fmt::format("{}: {}", source, what), "nothing was written to any device",
                      "the bundle is not a calibration backup of this version; check the file");
}

}  // namespace

archive::DeviceIdentity to_archive_identity(const nv::DeviceIdentity& id) {
    archive::DeviceIdentity out;
    for (const auto& imei : id.imeis)
        if (!imei.empty()) out.imeis.push_back(imei);
    out.chip_serial = hex32(id.chip_serial);
    out.msm_hw_id = hex32(id.msm_hw_version);
    out.model = id.model;
    out.firmware = id.firmware;
    return out;
}

archive::BundleManifest write_calibration_bundle(const std::filesystem::path& file,
                                                 const nv::Calibration& cal,
                                                 const std::string& device_name,
                                                 bool restore_incomplete) {
    nlohmann::json meta = {{"layout", kLayout},
                           {"mobile_model_id", cal.mobile_model_id},
                           {"source_name", cal.source_name},
                           {"imeis", cal.identity.imeis},
                           {"esn", cal.identity.esn},
                           {"chip_serial", cal.identity.chip_serial},
                           {"msm_hw_version", cal.identity.msm_hw_version},
                           {"model_string", cal.identity.model_string},
                           {"device", device_name}};
    if (restore_incomplete) meta["restore_incomplete"] = true;
    archive::BundleWriter writer(file, archive::BundleKind::calibration,
                                 to_archive_identity(cal.identity), meta);
    for (std::size_t s = 0; s < nv::kSubscriptions; ++s)
        writer.add(fmt::format("nv/sub{}", s), nv::encode_nv_records(cal.nv[s]),
                   {{"items", cal.nv[s].size()}});
    for (nv::EfsGroup g : nv::kEfsGroups) {
        const auto& files = cal.files(g);
        for (std::size_t i = 0; i < files.size(); ++i)
            writer.add(efs_entry_name(g, i), files[i].data,
                       {{"path", files[i].path},
                        {"mtime", files[i].mtime},
                        {"header", to_hex(files[i].entry_header)}});
    }
    writer.add("Mobile_Property_Info", nv::encode_mobile_property(cal.property));
    writer.add("Feature_Mask", nv::encode_feature_mask(cal.feature_mask));
    writer.add("File_Version", nv::encode_file_version(cal.file_version));
    return writer.commit();
}

bool bundle_restore_incomplete(const archive::BundleManifest& manifest) {
    auto it = manifest.metadata.find("restore_incomplete");
    return it != manifest.metadata.end() && it->is_boolean() && it->get<bool>();
}

std::string bundle_device_name(const archive::BundleManifest& manifest) {
    return manifest.metadata.value("device", std::string());
}

static void read_identity(const archive::BundleManifest& m, nv::Calibration& cal) {
    const auto& meta = m.metadata;
    cal.mobile_model_id = meta.value("mobile_model_id", 0u);
    cal.source_name = meta.value("source_name", std::string());
    auto& id = cal.identity;
    id.imeis = meta.value("imeis", std::vector<std::string>{});
    id.esn = meta.value("esn", 0u);
    id.chip_serial = meta.value("chip_serial", parse_hex32(m.identity.chip_serial));
    id.msm_hw_version = meta.value("msm_hw_version", parse_hex32(m.identity.msm_hw_id));
    id.model_string = meta.value("model_string", std::string());
    id.model = m.identity.model;
    id.firmware = m.identity.firmware;
    id.mobile_model_id = cal.mobile_model_id;
}

static void read_efs_group(const archive::BundleReader& reader, nv::EfsGroup g,
                           nv::Calibration& cal) {
    for (std::size_t i = 0;; ++i) {
        const archive::BundleEntry* e = reader.find(efs_entry_name(g, i));
        if (!e) break;
        nv::EfsFile f;
        f.data = reader.read_entry(*e);
        try {
            f.path = e->metadata.at("path").get<std::string>();
            f.mtime = e->metadata.at("mtime").get<std::uint32_t>();
            Bytes header = from_hex(e->metadata.at("header").get<std::string>());
            if (header.size() != 4) bad(reader.source(), e->name + ": bad header");
            std::copy(header.begin(), header.end(), f.entry_header.begin());
        } catch (const nlohmann::json::exception& ex) {
            bad(reader.source(), e->name + ": metadata " + ex.what());
        }
        if (f.path.empty()) bad(reader.source(), e->name + ": empty path");
        cal.files(g).push_back(std::move(f));
    }
}

nv::Calibration read_calibration_bundle(const archive::BundleReader& reader) {
    const auto& m = reader.manifest();
    if (m.kind != archive::BundleKind::calibration)
        throw DecodeError(
            reader.source() + ": a raw partition bundle, not a calibration (NV/EFS) backup",
            "nothing was written to any device",
            "write it back in EDL with `cellrescue edl restore-partition`; if it came from "
            "another module, then set this module's own IMEI with `cellrescue imei correct "
            "--imei IMEI -d DEV`");
    if (m.metadata.value("layout", std::string()) != kLayout)
        bad(reader.source(), "unknown calibration layout");
    nv::Calibration cal;
    try {
        read_identity(m, cal);
    } catch (const nlohmann::json::exception& ex) {
        bad(reader.source(), std::string("metadata: ") + ex.what());
    }
    for (std::size_t s = 0; s < nv::kSubscriptions; ++s)
        cal.nv[s] = nv::decode_nv_records(
            reader.read_entry(reader.require(fmt::format("nv/sub{}", s))), "nv/sub");
    for (nv::EfsGroup g : nv::kEfsGroups) read_efs_group(reader, g, cal);
    cal.property =
        nv::decode_mobile_property(reader.read_entry(reader.require("Mobile_Property_Info")));
    cal.feature_mask = nv::decode_feature_mask(reader.read_entry(reader.require("Feature_Mask")));
    cal.file_version = nv::decode_file_version(reader.read_entry(reader.require("File_Version")));
    return cal;
}

}  // namespace cr::workflows
