#include "src/workflows/snapshot/snapshot_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"
#include "src/workflows/snapshot/snapshot.hpp"
#include "src/workflows/snapshot/snapshot_layout.hpp"

namespace cr::workflows {
namespace {

namespace fs = std::filesystem;
using snapshot::EntryLayout;

std::string image_name(const std::string& entry) {
    std::string out;
    for (char c : entry)
        out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
    return out + ".bin";
}

std::string attrs(const EntryLayout& l, std::uint64_t start, std::uint64_t count) {
    const auto& r = l.region;
    std::string a;
    if (r.pages_per_block) a += fmt::format("PAGES_PER_BLOCK=\"{}\" ", r.pages_per_block);
    a += fmt::format("SECTOR_SIZE_IN_BYTES=\"{}\" ", r.sector_size);
    if (r.pages_per_block)
        a += fmt::format("last_sector=\"{}\" ", r.start_sector + r.num_sectors - 1);
    a += fmt::format(
        "num_partition_sectors=\"{}\" physical_partition_number=\"{}\" "
        "start_sector=\"{}\"",
        count, r.physical_partition, start);
    return a;
}

void write_image(const archive::BundleReader& reader, const archive::BundleEntry& e,
                 const fs::path& file) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(fmt::format("cannot create {}", file.string()));
    reader.read_entry(e, [&](ByteView d) {
        out.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
    });
    out.close();
    if (!out) throw IoError(fmt::format("cannot write {} (disk full?)", file.string()));
}

void write_text(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw IoError(fmt::format("cannot write {}", file.string()));
}

}  // namespace

ExportReport export_rawprogram(const fs::path& file, const fs::path& dir,
                               const std::vector<std::string>& only) {
    auto reader = open_snapshot(file);
    auto chosen = [&](const std::string& name) {
        return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
    };
    for (const auto& name : only)
        if (!reader.find(name))
            throw NotFoundError(fmt::format("{} has no partition '{}'", file.string(), name), "",
                                "the snapshot report lists its entries");
    fs::create_directories(dir);
    ExportReport rep;
    rep.dir = dir;
    std::string prog = "<?xml version=\"1.0\" ?>\n<data>\n";
    for (const auto& e : reader.manifest().entries) {
        EntryLayout l = snapshot::layout_from_json(e.metadata, e.name, e.size);
        if (!l.on_device() || !chosen(e.name)) continue;
        std::string image = image_name(e.name);
        write_image(reader, e, dir / image);
        rep.images.push_back(image);
        const auto& r = l.region;
        if (r.pages_per_block) {
            prog += fmt::format("  <erase {} label=\"{}\" />\n",
                                attrs(l, r.start_sector, r.num_sectors), r.label);
            ++rep.erases;
        }
        auto runs = r.pages_per_block ? snapshot::programmed_runs(l)
                                      : std::vector<snapshot::SectorRun>{{0, r.num_sectors}};
        for (const auto& run : runs) {
            prog += fmt::format(
                "  <program {} file_sector_offset=\"{}\" filename=\"{}\" "
                "label=\"{}\" />\n",
                attrs(l, r.start_sector + run.first, run.count), run.first, image, r.label);
            ++rep.programs;
        }
    }
    prog += "</data>\n";
    write_text(dir / "patch0.xml", "<?xml version=\"1.0\" ?>\n<patches>\n</patches>\n");
    write_text(dir / "rawprogram0.xml", prog);
    return rep;
}

nlohmann::json to_json(const ExportReport& r) {
    return {{"dir", r.dir.string()},
            {"images", r.images},
            {"programs", r.programs},
            {"erases", r.erases},
            {"rawprogram", (r.dir / "rawprogram0.xml").string()},
            {"patch", (r.dir / "patch0.xml").string()}};
}

std::string describe(const ExportReport& r) {
    return fmt::format(
        "wrote {}/rawprogram0.xml ({} program, {} erase entries), patch0.xml and "
        "{} images",
        r.dir.string(), r.programs, r.erases, r.images.size());
}

}  // namespace cr::workflows
