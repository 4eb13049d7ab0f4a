#include "src/package/sim_firmware.hpp"

#include <fmt/format.h>
#include <stdlib.h>
#include <zip.h>

#include <algorithm>
#include <fstream>

#include "sim/core/virtual_module.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace cr::package {
namespace fs = std::filesystem;
namespace {

// What an update package writes: not the calibration, the partition table, misc/fsc, the
// backup copies of the loaders (sbl1bak...) or the user's data.
bool programmed(const sim::PartitionSpec& p) {
    for (const char* skip : {"mibib", "misc", "fsc", "persist", "userdata"})
        if (p.name == skip) return false;
    return !p.calibration && !p.name.ends_with("bak");
}

// The calibration image a factory XML writes: cefs.mbn into efs2 (NAND), fs_image into fsg.
bool factory_calibration(const sim::PartitionSpec& p) {
    return p.name == "efs2" || p.name == "fsg";
}
std::string factory_image(const sim::PartitionSpec& p) {
    return p.name == "efs2" ? "cefs.mbn" : "fs_image.tar.gz.mbn.img";
}

std::string image_name(const sim::ModelSpec& m, const sim::PartitionSpec& p) {
    if (p.name == "sbl" || p.name == "xbl") return p.name + "1.mbn";
    if (p.name == "modem" || p.name == "modem_a")
        return m.storage == sim::StorageKind::nand ? "NON-HLOS.ubi" : "NON-HLOS.bin";
    if (p.name == "system") return "sysfs.ubi";
    if (p.name == "boot") return "boot.img";
    return p.name + ".mbn";
}

struct Layout {
    std::string rawprogram_update, rawprogram_factory, patch;
};

// NAND: one p4K_b256K set. GPT: one set per LUN, numbered as real eMMC/UFS builds do.
Layout layout_of(const sim::ModelSpec& m, std::uint32_t lun) {
    if (m.storage == sim::StorageKind::nand)
        return {"rawprogram_nand_p4K_b256K_update.xml", "rawprogram_nand_p4K_b256K_factory.xml",
                "patch_p4K_b256K.xml"};
    return {fmt::format("rawprogram{}_update.xml", lun),
            fmt::format("rawprogram{}_factory.xml", lun), fmt::format("patch{}.xml", lun)};
}

void write_file(const fs::path& file, ByteView data) {
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    if (!out) throw IoError(fmt::format("cannot write {}", file.string()));
}

std::string entry(const sim::ModelSpec& m, const char* tag, const sim::PartitionSpec& p,
                  const std::string& file, std::uint64_t sectors) {
    std::string nand;
    if (m.storage == sim::StorageKind::nand)
        nand = fmt::format(" PAGES_PER_BLOCK=\"{}\" last_sector=\"{}\"", m.pages_per_block,
                           p.start_sector + p.num_sectors - 1);
    std::string fileattr =
        std::string(tag) == "program" ? fmt::format(" filename=\"..\\{}\"", file) : "";
    return fmt::format(
        "  <{} SECTOR_SIZE_IN_BYTES=\"{}\"{} num_partition_sectors=\"{}\" "
        "physical_partition_number=\"{}\" start_sector=\"{}\" label=\"{}\"{} "
        "size_in_KB=\"{}.0\"/>\n",
        tag, m.sector_size, fileattr, sectors, p.lun, p.start_sector, p.name, nand,
        sectors * m.sector_size / 1024);
}

std::string rawprogram(const sim::ModelSpec& m, bool factory, std::uint32_t lun) {
    std::string xml = "<?xml version=\"1.0\" ?>\n<data>\n";
    bool nand = m.storage == sim::StorageKind::nand;
    for (const auto& p : m.partitions) {
        bool cal = factory && factory_calibration(p);
        if (p.lun != lun || (!programmed(p) && !cal)) continue;
        if (nand) xml += entry(m, "erase", p, "", p.num_sectors);
        xml += entry(m, "program", p, cal ? factory_image(p) : image_name(m, p), p.num_sectors);
    }
    return xml + "</data>\n";
}

std::string patch_xml(const sim::ModelSpec& m, std::uint32_t lun) {
    const sim::PartitionSpec* misc = sim::find_partition(m, "misc");
    std::string xml = "<?xml version=\"1.0\" ?>\n<patches>\n";
    xml += fmt::format(
        "  <patch SECTOR_SIZE_IN_BYTES=\"{}\" byte_offset=\"0\" filename=\"gpt_main{}.bin\" "
        "physical_partition_number=\"{}\" size_in_bytes=\"4\" start_sector=\"1\" value=\"0\" "
        "what=\"Host-side patch of a file (never sent to the target)\"/>\n",
        m.sector_size, lun, lun);
    if (misc && misc->lun == lun)
        xml += fmt::format(
            "  <patch SECTOR_SIZE_IN_BYTES=\"{}\" byte_offset=\"8\" filename=\"DISK\" "
            "physical_partition_number=\"0\" size_in_bytes=\"8\" start_sector=\"{}\" "
            "value=\"NUM_DISK_SECTORS-1.\" what=\"Record the disk size in misc\"/>\n",
            m.sector_size, misc->start_sector);
    return xml + "</patches>\n";
}

// md5.txt as Quectel packages carry it (PROTOCOLS.md §3): a header, then
// "<drive>:\\<path with backslashes><padding>:<md5>" lines, CRLF.
void write_md5(const fs::path& root) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) files.push_back(fs::relative(e.path(), root));
    std::sort(files.begin(), files.end());
    std::string text = "MD5 of the files in this package\r\nFile                    : MD5\r\n";
    for (const auto& f : files) {
        std::string name = f.generic_string();
        std::replace(name.begin(), name.end(), '/', '\\');
        text += fmt::format("D:\\{:<40}:{}\r\n", name,
                            file_digest_hex(root / f, Digest::Algorithm::md5));
    }
    write_file(root / "md5.txt", as_bytes(text));
}

void zip_directory(const fs::path& dir, const std::string& top, const fs::path& zip_path) {
    int err = 0;
    fs::remove(zip_path);
    zip_t* z = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_EXCL, &err);
    if (!z) throw IoError(fmt::format("cannot create {}", zip_path.string()));
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::string name = top + "/" + fs::relative(f, dir).generic_string();
        zip_source_t* src = zip_source_file(z, f.c_str(), 0, -1);
        if (!src || zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) {
            if (src) zip_source_free(src);
            zip_discard(z);
            throw IoError(fmt::format("cannot add {} to {}", name, zip_path.string()));
        }
    }
    if (zip_close(z) != 0) {
        zip_discard(z);
        throw IoError(fmt::format("cannot write {}", zip_path.string()));
    }
}

void build_tree(const sim::ModelSpec& m, const fs::path& root, const SimFirmwareOptions& o,
                SimFirmware& result) {
    fs::path fh = root / "update" / "firehose";
    sim::ModuleState id = sim::fresh_identity(m, m.id);
    std::size_t prog_size = o.programmer_bytes ? o.programmer_bytes : sim::kDefaultProgrammerSize;
    write_file(fh / m.programmer_name,
               sim::make_virtual_programmer({m.msm_hw_id, id.pk_hash_hex, m.id}, prog_size));
    for (const auto& p : m.partitions) {
        bool cal = o.with_factory && factory_calibration(p);
        if (!programmed(p) && !cal) continue;
        std::size_t size = static_cast<std::size_t>(
            std::min<std::uint64_t>(o.image_bytes, p.num_sectors * m.sector_size));
        if (size > 1000 && !cal) size -= (p.start_sector * 7) % 1000;  // odd sizes: padding
        std::string label = cal ? (p.name == "efs2" ? "cefs" : "fs_image") : p.name;
        write_file(root / "update" / (cal ? factory_image(p) : image_name(m, p)),
                   sim_image_bytes(m, label, size));
        if (!cal) result.images.push_back(p.name);
    }
    std::uint32_t sets = m.storage == sim::StorageKind::nand ? 1 : sim::lun_count(m);
    for (std::uint32_t lun = 0; lun < sets; ++lun) {
        Layout l = layout_of(m, lun);
        write_file(fh / l.rawprogram_update, as_bytes(rawprogram(m, false, lun)));
        if (o.with_factory)
            write_file(fh / l.rawprogram_factory, as_bytes(rawprogram(m, true, lun)));
        write_file(fh / l.patch, as_bytes(patch_xml(m, lun)));
    }
    write_md5(root);
}

}  // namespace

std::vector<std::uint8_t> sim_image_bytes(const sim::ModelSpec& model, const std::string& label,
                                          std::size_t size) {
    std::vector<std::uint8_t> out(size);
    std::uint64_t x = 0xcbf29ce484222325ull;
    for (char c : model.id + "/" + label)
        x = (x ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    for (std::size_t i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = static_cast<std::uint8_t>(x);
    }
    return out;
}

SimFirmware make_sim_firmware(const sim::ModelSpec& model, const fs::path& output,
                              const SimFirmwareOptions& options) {
    if (model.storage == sim::StorageKind::none || model.msm_hw_id == 0)
        throw UsageError(fmt::format("{} has no Firehose flash to make a package for", model.id),
                         {}, "use rm520n, ec25, rm500q, msm8916-emmc or qcs6490-ufs");
    SimFirmware result;
    result.output = output;
    std::string ext = output.extension().string();
    if (ext == ".zip" || ext == ".ZIP") {
        std::string tmpl = (fs::temp_directory_path() / "cellrescue-fw-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw IoError("cannot create a temporary directory");
        fs::path tmp = tmpl;
        try {
            build_tree(model, tmp, options, result);
            if (output.has_parent_path()) fs::create_directories(output.parent_path());
            zip_directory(tmp, model.firmware + "_sim", output);
        } catch (...) {
            fs::remove_all(tmp);
            throw;
        }
        fs::remove_all(tmp);
    } else {
        build_tree(model, output, options, result);
    }
    return result;
}

}  // namespace cr::package
