// Orders a package's operations (NAND known-good order) and marks calibration-touching steps.
#include "src/package/flash_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "protocols/partition/partition_map.hpp"
#include "src/util/error.hpp"

namespace cr::package {
namespace {

std::optional<std::uint64_t> disk_sectors(const RawOp& op, const PlanOptions& o) {
    auto it = o.lun_sectors.find(op.physical_partition);
    if (it != o.lun_sectors.end()) return it->second;
    return o.num_disk_sectors;
}

std::optional<Region> region_of(const RawOp& op, std::uint64_t sectors, const PlanOptions& o) {
    auto start = eval_sector(op.start_sector, disk_sectors(op, o));
    if (!start) return std::nullopt;
    return Region{op.label, op.physical_partition, op.sector_size, *start,
                  sectors,  op.pages_per_block};
}

// The boot chain by label; on NAND also the entry at sector 0 of LUN 0 (the SBL block, whatever
// its label). On GPT storage sector 0 is PrimaryGPT, never the SBL.
bool is_boot_step(const RawOp& op, const std::optional<Region>& region) {
    if (is_boot_label(op.label)) return true;
    bool nand = op.pages_per_block != 0;
    return nand && region && region->start_sector == 0 && region->physical_partition == 0 &&
           partition::normalize_name(op.label) != "primarygpt";
}

FlashStep make_step(const PackageOp& po, const PlanOptions& o) {
    FlashStep s;
    s.op = po.op;
    s.kind = po.op.kind == OpKind::erase ? StepKind::erase : StepKind::program;
    std::uint64_t sectors = po.op.num_sectors;
    if (s.kind == StepKind::program) {
        s.file = po.file;
        sectors = (po.file_bytes + po.op.sector_size - 1) / po.op.sector_size;
        s.bytes = sectors * po.op.sector_size;
        s.file_bytes = po.file_bytes;
        s.sparse = po.sparse;
        if (s.sparse) s.bytes = s.sparse->data_bytes();
    }
    s.region = region_of(po.op, sectors, o);
    s.is_sbl = is_boot_step(po.op, s.region);
    return s;
}

// The whole partition a step lies in, as far as we know it: the XML's partition size for a
// program, the device's table when it names the region.
Region backup_region(const FlashStep& s, const std::vector<Region>& known) {
    for (const auto& k : known)
        if (overlaps(k, *s.region)) return k;
    Region r = *s.region;
    if (s.kind == StepKind::program && s.op.num_sectors > r.num_sectors)
        r.num_sectors = s.op.num_sectors;
    return r;
}

void mark_calibration(FlashStep& s, const Package& pkg, const PlanOptions& o) {
    if (s.kind != StepKind::erase && s.kind != StepKind::program) return;
    if (is_calibration_label(s.op.label)) {
        s.touches_calibration = true;
        s.calibration_reason = "label " + s.op.label;
        return;
    }
    for (const auto& f : pkg.factory_regions()) {
        auto fr = region_of(f, std::max<std::uint64_t>(f.num_sectors, 1), o);
        bool same_label = !f.label.empty() && partition::normalize_name(f.label) ==
                                                  partition::normalize_name(s.op.label);
        if ((fr && s.region && overlaps(*fr, *s.region)) || same_label) {
            s.touches_calibration = true;
            s.calibration_reason = fmt::format("factory XML writes {} here", f.filename);
            return;
        }
    }
    if (!s.region) return;
    for (const auto& k : o.known_calibration)
        if (overlaps(k, *s.region)) {
            s.touches_calibration = true;
            s.calibration_reason = "overlaps the device's " + k.label + " partition";
            return;
        }
}

// What the XMLs address: NAND entries carry PAGES_PER_BLOCK; eMMC uses 512-byte sectors, UFS
// 4096 (PROTOCOLS.md §3).
std::string storage_of(const Package& pkg) {
    for (const auto& x : pkg.rawprograms())
        if (x.filename().string().find("_nand") != std::string::npos) return "nand";
    bool any4k = false;
    for (const auto& po : pkg.operations()) {
        if (po.op.pages_per_block) return "nand";
        any4k |= po.op.sector_size == 4096;
    }
    return any4k ? "ufs" : "emmc";
}

bool same_region(const Region& a, const Region& b) {
    return a.physical_partition == b.physical_partition && a.start_sector == b.start_sector &&
           a.num_sectors == b.num_sectors && a.sector_size == b.sector_size;
}

void add_region(FlashPlan& plan, const Region& r) {
    if (std::none_of(plan.calibration_regions.begin(), plan.calibration_regions.end(),
                     [&](const Region& x) { return same_region(x, r); }))
        plan.calibration_regions.push_back(r);
}

bool writes_partition_table(const FlashStep& s) {
    if (s.kind != StepKind::program) return false;
    std::string l = partition::normalize_name(s.op.label);
    return l == "primarygpt" || l == "backupgpt" || l == "mibib";
}

bool gpt_label(const RawOp& op) {
    std::string l = partition::normalize_name(op.label);
    return l == "primarygpt" || l == "backupgpt";
}

UsageError unfit(const std::string& origin, const std::string& what) {
    return UsageError(fmt::format("{}: {}", origin, what),
                      "nothing was written (the device's storage was only queried)",
                      "use the package made for this module (check the model and storage type)");
}

// Every entry must be addressable on the device as it reports itself (PROTOCOLS.md §3: NAND
// pages 4096, eMMC 512, UFS 4096; LUNs 0..num_physical-1).
void check_fits(const FlashPlan& plan, const StorageFacts& f, const std::string& pkg_storage) {
    bool nand_pkg = pkg_storage == "nand";
    for (const auto& s : plan.steps) {
        if (s.kind == StepKind::reset) continue;
        const RawOp& op = s.op;
        if (nand_pkg != (f.memory == "nand") && (nand_pkg || gpt_label(op)))
            throw unfit(op.origin, fmt::format("the package is for {} storage but the device's is "
                                               "{}",
                                               nand_pkg ? "NAND" : "GPT (eMMC/UFS)", f.memory));
        if (f.sector_size && op.sector_size != f.sector_size)
            throw unfit(op.origin,
                        fmt::format("SECTOR_SIZE_IN_BYTES={} but the device's {} has {}-byte "
                                    "sectors",
                                    op.sector_size, f.memory, f.sector_size));
        if (f.luns && op.physical_partition >= f.luns)
            throw unfit(op.origin,
                        fmt::format("physical_partition_number={} but the device has {} LUN{} "
                                    "(0{})",
                                    op.physical_partition, f.luns, f.luns == 1 ? "" : "s",
                                    f.luns == 1 ? "" : fmt::format("..{}", f.luns - 1)));
        if (f.pages_per_block && op.pages_per_block && op.pages_per_block != f.pages_per_block)
            throw unfit(op.origin, fmt::format("PAGES_PER_BLOCK={} but the device's NAND has {}",
                                               op.pages_per_block, f.pages_per_block));
    }
}

void check_ends(const FlashPlan& plan, const PlanOptions& o) {
    for (const auto& s : plan.steps) {
        if (!s.region) continue;
        auto size = disk_sectors(s.op, o);
        std::uint64_t n = std::max(s.region->num_sectors, s.op.num_sectors);
        if (size && s.region->start_sector + n > *size)
            throw unfit(s.op.origin,
                        fmt::format("{} ends at sector {} but LUN {} has {} sectors",
                                    s.op.label.empty() ? "the entry" : s.op.label,
                                    s.region->start_sector + n, s.op.physical_partition, *size));
    }
}

}  // namespace

std::string_view to_string(StepKind kind) {
    switch (kind) {
        case StepKind::erase:
            return "erase";
        case StepKind::program:
            return "program";
        case StepKind::patch:
            return "patch";
        case StepKind::reset:
            return "reset";
    }
    return "?";
}

bool is_calibration_label(std::string_view label) {
    return partition::is_calibration_name(label);
}

bool is_boot_label(std::string_view label) {
    std::string l = partition::normalize_name(label);
    for (const char* suffix : {"_a", "_b"})  // A/B slots: xbl_a, abl_b
        if (l.size() > 2 && l.ends_with(suffix)) l.resize(l.size() - 2);
    return l == "sbl" || l == "sbl1" || l == "sbl2" || l == "sbl3" || l == "xbl" ||
           l == "xbl_config" || l == "abl";
}

bool overlaps(const Region& a, const Region& b) {
    if (a.physical_partition != b.physical_partition) return false;
    unsigned __int128 a0 = static_cast<unsigned __int128>(a.start_sector) * a.sector_size;
    unsigned __int128 a1 = a0 + static_cast<unsigned __int128>(a.num_sectors) * a.sector_size;
    unsigned __int128 b0 = static_cast<unsigned __int128>(b.start_sector) * b.sector_size;
    unsigned __int128 b1 = b0 + static_cast<unsigned __int128>(b.num_sectors) * b.sector_size;
    return a0 < b1 && b0 < a1;
}

FlashPlan make_flash_plan(const Package& pkg, const PlanOptions& o) {
    std::vector<FlashStep> sbl_erase, erases, programs, sbl_programs;
    for (const auto& po : pkg.operations()) {
        FlashStep s = make_step(po, o);
        mark_calibration(s, pkg, o);
        if (s.kind == StepKind::erase)
            (s.is_sbl ? sbl_erase : erases).push_back(std::move(s));
        else
            (s.is_sbl ? sbl_programs : programs).push_back(std::move(s));
    }
    FlashPlan plan;
    plan.storage = storage_of(pkg);
    if (o.storage) plan.storage = o.storage->memory;
    for (auto* group : {&sbl_erase, &erases, &programs, &sbl_programs})
        for (auto& s : *group) plan.steps.push_back(std::move(s));
    for (const auto& p : pkg.disk_patches()) {
        FlashStep s;
        s.kind = StepKind::patch;
        s.op = p;
        plan.steps.push_back(std::move(s));
    }
    if (o.storage) check_fits(plan, *o.storage, storage_of(pkg));
    if (!o.lun_sectors.empty()) check_ends(plan, o);
    if (o.reset) {
        FlashStep reset;
        reset.kind = StepKind::reset;
        plan.steps.push_back(std::move(reset));
    }
    for (const auto& s : plan.steps) {
        if (!s.touches_calibration) continue;
        if (!s.region)
            throw DecodeError(
                fmt::format("{}: the sectors of calibration region {} cannot be "
                            "resolved without the device",
                            s.op.origin, s.op.label));
        add_region(plan, backup_region(s, o.known_calibration));
    }
    // A new partition table may move or shrink calibration partitions it does not write:
    // every calibration partition the device names is backed up first.
    if (std::any_of(plan.steps.begin(), plan.steps.end(), writes_partition_table))
        for (const auto& k : o.known_calibration) add_region(plan, k);
    return plan;
}

nlohmann::json to_json(const FlashStep& s) {
    nlohmann::json j = {{"action", to_string(s.kind)}, {"label", s.op.label}};
    if (s.kind == StepKind::reset) return j;
    j["physical_partition"] = s.op.physical_partition;
    j["sector_size"] = s.op.sector_size;
    j["start_sector"] = s.op.start_sector;
    if (s.region) j["num_sectors"] = s.region->num_sectors;
    if (s.file) j["file"] = s.file->filename().string();
    if (s.kind == StepKind::program) j["bytes"] = s.bytes;
    if (s.sparse)
        j["sparse"] = {{"expanded_bytes", s.sparse->expanded_bytes},
                       {"data_bytes", s.sparse->data_bytes()},
                       {"runs", s.sparse->runs.size()},
                       {"block_size", s.sparse->block_size}};
    if (s.kind == StepKind::patch) {
        j["byte_offset"] = s.op.byte_offset;
        j["size_in_bytes"] = s.op.size_in_bytes;
        j["value"] = s.op.value;
    }
    j["sbl"] = s.is_sbl;
    j["touches_calibration"] = s.touches_calibration;
    if (s.touches_calibration) j["calibration_reason"] = s.calibration_reason;
    j["origin"] = s.op.origin;
    return j;
}

nlohmann::json to_json(const FlashPlan& plan) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : plan.steps) steps.push_back(to_json(s));
    nlohmann::json cal = nlohmann::json::array();
    for (const auto& r : plan.calibration_regions)
        cal.push_back({{"label", r.label},
                       {"physical_partition", r.physical_partition},
                       {"start_sector", r.start_sector},
                       {"num_sectors", r.num_sectors},
                       {"sector_size", r.sector_size}});
    return {{"storage", plan.storage}, {"steps", steps}, {"calibration_regions", cal}};
}

std::string describe(const FlashPlan& plan) {
    std::string out =
        fmt::format("{:>3}  {:<8} {:<12} {:>3} {:>18} {:>8} {:>11}  {}\n", "#", "action",
                    "partition", "lun", "start", "sectors", "bytes", "file");
    int n = 0;
    for (const auto& s : plan.steps) {
        ++n;
        if (s.kind == StepKind::reset) {
            out += fmt::format("{:>3}  reset\n", n);
            continue;
        }
        std::string sectors = s.region ? std::to_string(s.region->num_sectors) : "?";
        std::string bytes = s.kind == StepKind::program ? std::to_string(s.bytes)
                            : s.kind == StepKind::patch ? std::to_string(s.op.size_in_bytes)
                                                        : "-";
        std::string file = s.file ? s.file->filename().string() : s.op.what;
        out += fmt::format(
            "{:>3}  {:<8} {:<12} {:>3} {:>18} {:>8} {:>11}  {}{}{}{}\n", n, to_string(s.kind),
            s.op.label.empty() ? "-" : s.op.label, s.op.physical_partition, s.op.start_sector,
            sectors, bytes, file,
            s.sparse ? fmt::format("  [sparse: {} data runs]", s.sparse->runs.size()) : "",
            s.is_sbl ? "  [SBL]" : "",
            s.touches_calibration ? "  [CALIBRATION: " + s.calibration_reason + "]" : "");
    }
    if (!plan.calibration_regions.empty()) {
        out += "Calibration regions touched (backed up before flashing):\n";
        for (const auto& r : plan.calibration_regions)
            out += fmt::format("  {} lun {} sectors {}+{}\n", r.label.empty() ? "-" : r.label,
                               r.physical_partition, r.start_sector, r.num_sectors);
    } else {
        out += "Calibration: not touched.\n";
    }
    return out;
}

}  // namespace cr::package
