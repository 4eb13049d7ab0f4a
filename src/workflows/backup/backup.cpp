#include "src/workflows/backup/backup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "nv/calibration_codec.hpp"
#include "nv/efs_layout.hpp"
#include "nv/nv_catalog.hpp"
#include "nv/qcn.hpp"
#include "nv/xqcn.hpp"
#include "src/archive/backup_store.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/backup_bundle.hpp"
#include "src/workflows/backup/backup_diag.hpp"
#include "src/workflows/backup/backup_edl.hpp"
#include "src/workflows/restore/restore_marker.hpp"

namespace cr::workflows {

CalibrationFormat parse_calibration_format(std::string_view text) {
    if (text == "bundle") return CalibrationFormat::bundle;
    if (text == "xqcn") return CalibrationFormat::xqcn;
    if (text == "qcn") return CalibrationFormat::qcn;
    throw UsageError(fmt::format("unknown format '{}'", text), {},
                     "use --format bundle, xqcn or qcn");
}

CalibrationFormat format_from_path(const std::filesystem::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (ext == ".xqcn") return CalibrationFormat::xqcn;
    if (ext == ".qcn") return CalibrationFormat::qcn;
    return CalibrationFormat::bundle;
}

namespace {

void read_numbered_items(DiagLink& link, const std::vector<EfsSnapshotFile>& files,
                         nv::Calibration& cal, const ProgressFn& progress) {
    std::vector<nv::NvFileRef> refs;
    for (const auto& f : files)
        if (auto ref = nv::parse_nv_file_path(f.path)) refs.push_back(*ref);
    // NV_ITEM_ARRAY order: by id, then index (QPST lists items in ascending order).
    std::sort(refs.begin(), refs.end(), [](const nv::NvFileRef& a, const nv::NvFileRef& b) {
        return std::tie(a.subscription, a.id, a.index) < std::tie(b.subscription, b.id, b.index);
    });
    auto items = read_nv_items(link, refs, [&](std::size_t done) {
        report(progress, {"backup NV items", "items", done, refs.size(), false});
    });
    for (std::size_t i = 0; i < refs.size(); ++i)
        if (items[i]) cal.nv[refs[i].subscription].push_back(*items[i]);
    report(progress, {"backup NV items", "items", refs.size(), refs.size(), true});
}

void fill_property(nv::Calibration& cal) {
    cal.mobile_model_id = cal.identity.mobile_model_id % 100000000u;
    cal.property.esn = cal.identity.esn;
    cal.property.mobile_model = static_cast<std::uint16_t>(cal.identity.mobile_model_id & 0xFFFF);
    cal.property.sw_version = cal.identity.firmware;
    cal.property.tool_name = "cellrescue";
}

std::string model_of(const Device& device) {
    std::string name = device.name();
    if (!device.is_virtual() || !name.starts_with("sim:")) return {};
    name = name.substr(4);
    return name.substr(0, name.find_first_of("#:"));
}

}  // namespace

nv::Calibration read_calibration(Transport& transport, const ProgressFn& progress,
                                 DiagTraffic* traffic, std::size_t pipeline) {
    DiagLink link(transport, pipeline);
    nv::Calibration cal;
    cal.identity = read_identity(link);
    try {
        cal.feature_mask = link.diag.feature_query();
    } catch (const diag::DiagCommandError& e) {
        spdlog::debug("FEATURE_QUERY refused: {}", e.what());
    }
    std::vector<EfsSnapshotFile> files = read_efs_tree(link, progress);
    read_numbered_items(link, files, cal, progress);
    for (auto& f : files) {
        nv::EfsFile file;
        file.path = f.path;
        file.mtime = f.mtime;
        file.data = std::move(f.data);
        nv::EfsGroup g = nv::classify_efs_path(file.path);
        if (g != nv::EfsGroup::efs_backup) file.mtime = 0;  // only EFS_Backup keeps mtimes
        cal.files(g).push_back(std::move(file));
    }
    fill_property(cal);
    if (traffic) *traffic = link.traffic();
    return cal;
}

void export_calibration(const nv::Calibration& cal, const std::filesystem::path& file,
                        CalibrationFormat format) {
    // Our own backups go out shaped as QPST writes them; a QPST file keeps its own layout.
    auto qpst_file = [&] { return nv::made_by_cellrescue(cal) ? nv::qpst_shaped(cal) : cal; };
    switch (format) {
        case CalibrationFormat::xqcn:
            nv::write_xqcn_file(file, qpst_file());
            write_digest(file);  // an .xqcn carries no checksum of its own
            break;
        case CalibrationFormat::qcn:
            nv::write_qcn_file(file, qpst_file());
            write_digest(file);
            break;
        case CalibrationFormat::bundle:
            write_calibration_bundle(file, cal);
            break;
    }
}

namespace {

// A QPST-format file: its digest first (nothing parsed before), then plausibility without one.
LoadedCalibration checked_qpst_file(const std::filesystem::path& file, nv::Calibration cal,
                                    bool digest) {
    LoadedCalibration out{std::move(cal), Integrity::digest_verified, {}};
    if (digest) {
        out.note = fmt::format("integrity verified: SHA-256 matches {}",
                               digest_path(file).filename().string());
        return out;
    }
    auto problems = plausibility_problems(out.calibration);
    if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
        throw DecodeError(
            fmt::format("{} does not look like a calibration backup: {}", file.string(), all),
            "nothing was written to any device",
            "use another copy of the backup (or the bundle in the backup store)");
    }
    out.integrity = Integrity::unknown;
    out.note = fmt::format(
        "warning: {} has no digest ({}), so its integrity is unknown: it passed the plausibility "
        "check ({} NV items, {} EFS files, identities and paths sane) but a changed byte inside "
        "an item or file cannot be detected",
        file.filename().string(), digest_path(file).filename().string(),
        nv::nv_item_count(out.calibration), nv::efs_file_count(out.calibration));
    spdlog::warn("{}", out.note);
    return out;
}

}  // namespace

LoadedCalibration load_calibration_checked(const std::filesystem::path& file) {
    {
        Bytes all = read_file(file);
        static constexpr std::uint8_t kOle[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
        const bool ole = all.size() >= 8 && std::equal(kOle, kOle + 8, all.begin());
        std::string_view text = as_chars(all);
        std::size_t start = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
        const bool xml = start != std::string_view::npos && text.substr(start).starts_with("<");
        if (ole || xml) {
            bool digest = check_digest(file, all);  // throws VerifyError on a mismatch
            return checked_qpst_file(file, ole ? nv::read_qcn(all) : nv::read_xqcn(text), digest);
        }
    }
    archive::BundleReader reader = archive::BundleReader::open(file);
    return {read_calibration_bundle(reader), Integrity::bundle_checksum,
            "integrity verified: bundle checksum"};
}

nv::Calibration load_calibration(const std::filesystem::path& file) {
    return load_calibration_checked(file).calibration;
}

BackupResult backup(Device& device, const BackupOptions& options) {
    if (device.mode() == DeviceMode::edl) {
        BackupOptions raw = options;
        if (raw.model.empty()) raw.model = model_of(device);
        return backup_raw_partitions(device, raw);
    }
    BackupResult result;
    {
        std::unique_ptr<Transport> diag = device.open_diag();
        result.calibration =
            read_calibration(*diag, options.progress, &result.traffic, options.pipeline);
        DiagLink link(*diag, options.pipeline);
        result.restore_incomplete = read_restore_marker(link.efs).has_value();
    }
    nv::Calibration& cal = result.calibration;
    cal.identity.model = options.model.empty() ? model_of(device) : options.model;
    archive::BackupStore store(options.store_dir);
    result.bundle = store.new_bundle_path(archive::BundleKind::calibration,
                                          to_archive_identity(cal.identity), "calibration");
    write_calibration_bundle(result.bundle, cal, device.name(), result.restore_incomplete);
    if (options.output) {
        export_calibration(cal, *options.output, options.format);
        result.exported = options.output;
    }
    result.nv_items = nv::nv_item_count(cal);
    result.efs_files = nv::efs_file_count(cal);
    result.efs_bytes = nv::efs_byte_count(cal);
    return result;
}

}  // namespace cr::workflows
