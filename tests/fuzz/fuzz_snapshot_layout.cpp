// Fuzzes the snapshot entry layout (the per-entry metadata a restore trusts): the first 8 bytes
// are the entry's size, the rest is the metadata JSON. Invariants: nothing but DecodeError is
// thrown; an accepted layout's erased runs are sorted, disjoint and inside the region, its
// programmed runs and erased runs tile the region exactly, and it survives a JSON round trip.
// The same bytes also feed ErasedTracker, whose runs must match a direct page scan.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

#include "src/util/error.hpp"
#include "src/workflows/snapshot/snapshot_layout.hpp"

using namespace cr::workflows::snapshot;

namespace {

void check_layout(const EntryLayout& l, std::uint64_t size) {
    if (!l.on_device()) return;
    const auto& r = l.region;
    if (r.sector_size == 0 || r.num_sectors * r.sector_size != size) __builtin_trap();
    std::uint64_t covered = 0, at = 0;
    for (const auto& e : l.erased) {
        if (e.count == 0 || e.first < at || e.first + e.count > r.num_sectors) __builtin_trap();
        at = e.first + e.count;
        covered += e.count;
    }
    at = 0;
    for (const auto& p : programmed_runs(l)) {
        if (p.count == 0 || p.first < at || p.first + p.count > r.num_sectors) __builtin_trap();
        at = p.first + p.count;
        covered += p.count;
    }
    if (covered != r.num_sectors) __builtin_trap();
    EntryLayout back = layout_from_json(to_json(l), "x", size);
    if (back.erased != l.erased || back.region.start_sector != r.start_sector) __builtin_trap();
}

void check_tracker(const std::uint8_t* data, std::size_t size) {
    const std::uint32_t ss = 1 + (size ? data[0] % 16 : 0);
    ErasedTracker t(ss);
    std::size_t whole = (size / ss) * ss;
    for (std::size_t at = 0; at < whole; at += 7)
        t.update(cr::ByteView(data + at, std::min<std::size_t>(7, whole - at)));
    std::uint64_t erased = 0;
    for (const auto& r : t.finish()) erased += r.count;
    std::uint64_t want = 0;
    for (std::size_t s = 0; s < whole / ss; ++s) {
        bool ff = true;
        for (std::size_t i = 0; i < ss; ++i) ff &= data[s * ss + i] == 0xFF;
        want += ff;
    }
    if (erased != want) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    check_tracker(data, size);
    if (size < 8) return 0;
    std::uint64_t entry_size = 0;
    std::memcpy(&entry_size, data, 8);
    auto json = nlohmann::json::parse(data + 8, data + size, nullptr, false);
    if (json.is_discarded()) return 0;
    try {
        check_layout(layout_from_json(json, "fuzz", entry_size), entry_size);
    } catch (const cr::DecodeError&) {
    }
    return 0;
}
