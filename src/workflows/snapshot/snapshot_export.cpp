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

// The file of one run: "<name>.bin" for the run at the partition's start, "<name>_s<first>.bin"
// for the others.
std::string run_file(const std::string& entry, const snapshot::SectorRun& run) {
    std::string base = image_name(entry);
    if (run.first == 0) return base;
    return fmt::format("{}_s{}.bin", base.substr(0, base.size() - 4), run.first);
}

// Streams an entry out of the bundle (verified as read) into one file per run; the bytes of no
// run (erased pages) are dropped. `runs` are sorted and disjoint.
void write_runs(const archive::BundleReader& reader, const archive::BundleEntry& e,
                std::uint64_t sector_size, const std::vector<snapshot::SectorRun>& runs,
                const std::vector<fs::path>& files) {
    std::ofstream out;
    std::size_t i = 0;
    std::uint64_t pos = 0;
    auto close = [&] {
        out.close();
        if (!out) throw IoError(fmt::format("cannot write {} (disk full?)", files[i].string()));
    };
    reader.read_entry(e, [&](ByteView d) {
        while (!d.empty() && i < runs.size()) {
            const std::uint64_t begin = runs[i].first * sector_size;
            const std::uint64_t end = begin + runs[i].count * sector_size;
            if (pos < begin) {
                auto skip =
                    static_cast<std::size_t>(std::min<std::uint64_t>(d.size(), begin - pos));
                pos += skip;
                d = d.subspan(skip);
                continue;
            }
            if (!out.is_open()) {
                out.open(files[i], std::ios::binary | std::ios::trunc);
                if (!out) throw IoError(fmt::format("cannot create {}", files[i].string()));
            }
            auto n = static_cast<std::size_t>(std::min<std::uint64_t>(d.size(), end - pos));
            out.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(n));
            pos += n;
            d = d.subspan(n);
            if (pos == end) {
                close();
                ++i;
            }
        }
        pos += d.size();
    });
    if (i != runs.size())
        throw DecodeError(fmt::format("{}: entry '{}' ends before its programmed pages",
                                      reader.source(), e.name));
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
        const auto& r = l.region;
        if (r.pages_per_block) {
            prog += fmt::format("  <erase {} label=\"{}\" />\n",
                                attrs(l, r.start_sector, r.num_sectors), r.label);
            ++rep.erases;
        }
        auto runs = r.pages_per_block ? snapshot::programmed_runs(l)
                                      : std::vector<snapshot::SectorRun>{{0, r.num_sectors}};
        std::vector<fs::path> files;
        for (const auto& run : runs) {
            std::string image = run_file(e.name, run);
            files.push_back(dir / image);
            rep.images.push_back(image);
            // One file per run, each from its first byte: file_sector_offset stays 0 because
            // Debian's qdl (1.0+git20220718) ignores it (docs/snapshot.md).
            prog += fmt::format(
                "  <program {} file_sector_offset=\"0\" filename=\"{}\" label=\"{}\" />\n",
                attrs(l, r.start_sector + run.first, run.count), image, r.label);
            ++rep.programs;
        }
        write_runs(reader, e, r.sector_size, runs, files);
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
