#include "src/workflows/snapshot/snapshot_layout.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "src/util/error.hpp"

namespace cr::workflows::snapshot {
namespace {

constexpr std::pair<Role, const char*> kRoles[] = {{Role::partition, "partition"},
                                                   {Role::gpt_primary, "gpt_primary"},
                                                   {Role::gpt_backup, "gpt_backup"},
                                                   {Role::settings, "settings"},
                                                   {Role::calibration, "calibration"}};

[[noreturn]] void bad(const std::string& entry, const std::string& what) {
    throw DecodeError(fmt::format("snapshot entry '{}': {}", entry, what), {},
                      "the snapshot is damaged or not written by cellrescue; nothing was written");
}

std::uint64_t number(const nlohmann::json& j, const char* key, const std::string& entry) {
    if (!j.contains(key) || !j[key].is_number_unsigned()) bad(entry, fmt::format("no {}", key));
    return j[key].get<std::uint64_t>();
}

}  // namespace

std::string_view to_string(Role role) {
    for (const auto& [r, name] : kRoles)
        if (r == role) return name;
    return "?";
}

nlohmann::json to_json(const EntryLayout& l) {
    nlohmann::json j{{"role", std::string(to_string(l.role))}};
    if (!l.on_device()) return j;
    j["label"] = l.region.label;
    j["physical_partition"] = l.region.physical_partition;
    j["sector_size"] = l.region.sector_size;
    j["start_sector"] = l.region.start_sector;
    j["num_sectors"] = l.region.num_sectors;
    j["pages_per_block"] = l.region.pages_per_block;
    j["erased"] = nlohmann::json::array();
    for (const auto& r : l.erased) j["erased"].push_back({r.first, r.count});
    return j;
}

EntryLayout layout_from_json(const nlohmann::json& j, const std::string& entry,
                             std::uint64_t entry_size) {
    if (!j.is_object() || !j.contains("role") || !j["role"].is_string()) bad(entry, "no role");
    EntryLayout l;
    auto role = j["role"].get<std::string>();
    auto it = std::find_if(std::begin(kRoles), std::end(kRoles),
                           [&](const auto& p) { return role == p.second; });
    if (it == std::end(kRoles)) bad(entry, fmt::format("unknown role '{}'", role));
    l.role = it->first;
    if (!l.on_device()) return l;
    l.region.label =
        j.contains("label") && j["label"].is_string() ? j["label"].get<std::string>() : entry;
    l.region.physical_partition =
        static_cast<std::uint32_t>(number(j, "physical_partition", entry));
    std::uint64_t ss = number(j, "sector_size", entry);
    if (ss == 0 || ss > (1u << 20)) bad(entry, fmt::format("sector size {}", ss));
    l.region.sector_size = static_cast<std::uint32_t>(ss);
    l.region.start_sector = number(j, "start_sector", entry);
    l.region.num_sectors = number(j, "num_sectors", entry);
    l.region.pages_per_block = static_cast<std::uint32_t>(number(j, "pages_per_block", entry));
    if (l.region.num_sectors > entry_size / ss || l.region.num_sectors * ss != entry_size)
        bad(entry, fmt::format("{} bytes do not fill {} sectors of {}", entry_size,
                               l.region.num_sectors, ss));
    if (!j.contains("erased") || !j["erased"].is_array()) bad(entry, "no erased list");
    std::uint64_t end = 0;
    for (const auto& r : j["erased"]) {
        if (!r.is_array() || r.size() != 2 || !r[0].is_number_unsigned() ||
            !r[1].is_number_unsigned())
            bad(entry, "an erased run is not [first, count]");
        SectorRun run{r[0].get<std::uint64_t>(), r[1].get<std::uint64_t>()};
        if (run.count == 0 || run.first < end || run.first > l.region.num_sectors ||
            run.count > l.region.num_sectors - run.first)
            bad(entry, "erased runs out of order or outside the region");
        end = run.first + run.count;
        l.erased.push_back(run);
    }
    return l;
}

std::vector<SectorRun> programmed_runs(const EntryLayout& l) {
    std::vector<SectorRun> out;
    std::uint64_t at = 0;
    for (const auto& e : l.erased) {
        if (e.first > at) out.push_back({at, e.first - at});
        at = e.first + e.count;
    }
    if (at < l.region.num_sectors) out.push_back({at, l.region.num_sectors - at});
    return out;
}

void ErasedTracker::close_sector() {
    if (all_ff_) {
        if (!runs_.empty() && runs_.back().first + runs_.back().count == sector_)
            ++runs_.back().count;
        else
            runs_.push_back({sector_, 1});
    }
    ++sector_;
    filled_ = 0;
    all_ff_ = true;
}

void ErasedTracker::update(ByteView data) {
    while (!data.empty()) {
        std::size_t n = std::min<std::size_t>(data.size(), sector_size_ - filled_);
        if (all_ff_)
            all_ff_ = std::all_of(data.begin(), data.begin() + n,
                                  [](std::uint8_t b) { return b == 0xFF; });
        filled_ += static_cast<std::uint32_t>(n);
        data = data.subspan(n);
        if (filled_ == sector_size_) close_sector();
    }
}

std::vector<SectorRun> ErasedTracker::finish() {
    if (filled_ != 0)
        throw DecodeError(fmt::format("the data ended {} bytes into sector {}", filled_, sector_));
    return std::move(runs_);
}

}  // namespace cr::workflows::snapshot
