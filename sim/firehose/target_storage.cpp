#include "sim/firehose/target_storage.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "protocols/partition/nand_table.hpp"
#include "src/util/error.hpp"

namespace cr::sim {

std::set<std::uint64_t> bad_blocks(const ModuleState& state) {
    std::set<std::uint64_t> out;
    auto it = state.extra.find("firehose");
    if (it == state.extra.end() || !it->is_object() || !it->contains("bad_blocks")) return out;
    for (const auto& b : (*it)["bad_blocks"])
        if (b.is_number_unsigned()) out.insert(b.get<std::uint64_t>());
    return out;
}

void set_bad_blocks(VirtualModule& module, const std::set<std::uint64_t>& blocks) {
    module.update([&](ModuleState& s) {
        s.extra["firehose"]["bad_blocks"] =
            std::vector<std::uint64_t>(blocks.begin(), blocks.end());
    });
}

std::set<std::uint64_t> factory_bad_blocks(const ModelSpec& model) {
    std::set<std::uint64_t> out;
    if (model.storage != StorageKind::nand || model.pages_per_block == 0) return out;
    auto block_of = [&](const char* name, std::uint64_t nth) {
        if (const PartitionSpec* p = find_partition(model, name))
            out.insert(p->start_sector / model.pages_per_block + nth);
    };
    block_of("modem", 3);
    block_of("system", 7);
    block_of("system", 100);
    return out;
}

std::set<std::uint64_t> blank_programmed_pages(const ModuleState& state) {
    std::set<std::uint64_t> out;
    auto it = state.extra.find("firehose");
    if (it == state.extra.end() || !it->is_object() || !it->contains("blank_programmed"))
        return out;
    for (const auto& run : (*it)["blank_programmed"]) {
        if (!run.is_array() || run.size() != 2) continue;
        auto first = run[0].get<std::uint64_t>(), count = run[1].get<std::uint64_t>();
        for (std::uint64_t p = first; p < first + count && count < (1u << 24); ++p) out.insert(p);
    }
    return out;
}

bool has_blank_programmed(const ModuleState& state, std::uint64_t first, std::uint64_t count) {
    auto pages = blank_programmed_pages(state);
    auto it = pages.lower_bound(first);
    return it != pages.end() && *it < first + count;
}

namespace {

nlohmann::json to_runs(const std::set<std::uint64_t>& pages) {
    nlohmann::json runs = nlohmann::json::array();
    std::uint64_t first = 0, count = 0;
    for (std::uint64_t p : pages) {
        if (count && p == first + count) {
            ++count;
            continue;
        }
        if (count) runs.push_back({first, count});
        first = p;
        count = 1;
    }
    if (count) runs.push_back({first, count});
    return runs;
}

bool all_ff(ByteView page) {
    return std::all_of(page.begin(), page.end(), [](std::uint8_t b) { return b == 0xFF; });
}

}  // namespace

TargetStorage::TargetStorage(VirtualModule& module, std::uint32_t lun)
    : module_(module),
      image_(module.storage(lun)),
      sector_size_(image_.sector_size()),
      total_(image_.total_sectors()),
      ppb_(module.model().storage == StorageKind::nand ? module.model().pages_per_block : 0) {
    if (nand()) {
        bad_ = bad_blocks(module.state());
        blank_ = blank_programmed_pages(module.state());
        load_nand_map();
    }
}

void TargetStorage::note_pages(std::uint64_t phys_page, ByteView data) {
    for (std::size_t off = 0; off < data.size(); off += sector_size_, ++phys_page) {
        ByteView page = data.subspan(off, std::min<std::size_t>(sector_size_, data.size() - off));
        bool blank = all_ff(page);
        if (blank ? blank_.insert(phys_page).second : blank_.erase(phys_page) > 0)
            blank_dirty_ = true;
    }
}

void TargetStorage::load_nand_map() {
    Bytes header(sector_size_), table(sector_size_);
    for (std::uint64_t at : partition::kMibibCandidateSectors) {
        if (at + 1 >= total_) continue;
        image_.read(at, header);
        if (!partition::is_mibib_header(header)) continue;
        image_.read(at + 1, table);
        try {
            auto map = partition::to_partition_map(partition::parse_nand_table(table), sector_size_,
                                                   ppb_, total_);
            parts_ = std::move(map.partitions);
        } catch (const Error&) {
            parts_.clear();  // a corrupt table: the programmer addresses the chip linearly
        }
        return;
    }
}

std::optional<std::uint64_t> TargetStorage::map_block(std::uint64_t logical) const {
    if (!nand()) return logical;
    for (const auto& p : parts_) {
        std::uint64_t first = p.start_sector / ppb_;
        std::uint64_t end = (p.start_sector + p.num_sectors) / ppb_;
        if (logical < first || logical >= end) continue;
        std::uint64_t wanted = logical - first;
        for (std::uint64_t b = first; b < end; ++b) {
            if (bad_.count(b)) continue;
            if (wanted == 0) return b;
            --wanted;
        }
        return std::nullopt;
    }
    if (bad_.count(logical)) return std::nullopt;
    return logical;
}

bool TargetStorage::write(std::uint64_t sector, ByteView data) {
    if (!nand()) {
        image_.write(sector, data);
        return true;
    }
    bool complete = true;
    std::size_t done = 0;
    while (done < data.size()) {
        std::uint64_t page = sector + done / sector_size_;
        std::uint64_t in_block = page % ppb_;
        std::size_t n = std::min<std::size_t>(data.size() - done, (ppb_ - in_block) * sector_size_);
        if (auto phys = map_block(page / ppb_)) {
            image_.write(*phys * ppb_ + in_block, data.subspan(done, n));
            note_pages(*phys * ppb_ + in_block, data.subspan(done, n));
        } else
            complete = false;
        done += n;
    }
    return complete;
}

void TargetStorage::read(std::uint64_t sector, std::span<std::uint8_t> out) {
    if (!nand()) {
        image_.read(sector, out);
        return;
    }
    std::size_t done = 0;
    while (done < out.size()) {
        std::uint64_t page = sector + done / sector_size_;
        std::uint64_t in_block = page % ppb_;
        std::size_t n = std::min<std::size_t>(out.size() - done, (ppb_ - in_block) * sector_size_);
        if (auto phys = map_block(page / ppb_))
            image_.read(*phys * ppb_ + in_block, out.subspan(done, n));
        else
            std::memset(out.data() + done, 0xFF, n);
        done += n;
    }
}

void TargetStorage::erase(std::uint64_t sector, std::uint64_t count) {
    if (!nand()) {
        image_.erase(sector, count, 0x00);
        return;
    }
    for (std::uint64_t page = sector; page < sector + count;) {
        std::uint64_t in_block = page % ppb_;
        std::uint64_t n = std::min<std::uint64_t>(sector + count - page, ppb_ - in_block);
        if (auto phys = map_block(page / ppb_)) {
            image_.erase(*phys * ppb_ + in_block, n, 0xFF);
            auto from = blank_.lower_bound(*phys * ppb_ + in_block);
            auto to = blank_.lower_bound(*phys * ppb_ + in_block + n);
            if (from != to) blank_dirty_ = true;
            blank_.erase(from, to);
        }
        page += n;
    }
}

void TargetStorage::sync() {
    image_.sync();
    if (!blank_dirty_) return;
    module_.update(
        [&](ModuleState& st) { st.extra["firehose"]["blank_programmed"] = to_runs(blank_); });
    blank_dirty_ = false;
}

}  // namespace cr::sim
