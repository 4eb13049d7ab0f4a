#include "nv/calibration.hpp"

#include <fmt/format.h>

#include <map>

#include "nv/imei.hpp"
#include "nv/nv_catalog.hpp"
#include "src/util/error.hpp"

namespace cr::nv {

const char* storage_name(EfsGroup group) {
    switch (group) {
        case EfsGroup::efs_backup:
            return "EFS_Backup";
        case EfsGroup::provisioning:
            return "Provisioning_Item_Files";
        case EfsGroup::nv_items:
            return "NV_Items";
    }
    return "?";
}

template <typename Cal, typename Item>
static Item* find_in(Cal& cal, std::size_t subscription, std::uint16_t id,
                     std::uint16_t sub_index) {
    if (subscription >= kSubscriptions) return nullptr;
    for (auto& item : cal.nv[subscription])
        if (item.id == id && item.sub_index == sub_index) return &item;
    return nullptr;
}

const NvItem* find_item(const Calibration& cal, std::size_t subscription, std::uint16_t id,
                        std::uint16_t sub_index) {
    return find_in<const Calibration, const NvItem>(cal, subscription, id, sub_index);
}
NvItem* find_item(Calibration& cal, std::size_t subscription, std::uint16_t id,
                  std::uint16_t sub_index) {
    return find_in<Calibration, NvItem>(cal, subscription, id, sub_index);
}

std::vector<std::string> imeis_of(const Calibration& cal) {
    std::vector<std::string> out(kSubscriptions);
    for (std::size_t s = 0; s < kSubscriptions; ++s) {
        const NvItem* item = find_item(cal, s, item::ue_imei);
        if (!item) continue;
        try {
            out[s] = decode_imei_nv(item->data).value_or("");
        } catch (const Error&) {
            out[s].clear();
        }
    }
    while (!out.empty() && out.back().empty()) out.pop_back();
    return out;
}

std::size_t nv_item_count(const Calibration& cal) {
    std::size_t n = 0;
    for (const auto& sub : cal.nv) n += sub.size();
    return n;
}
std::size_t efs_file_count(const Calibration& cal) {
    std::size_t n = 0;
    for (const auto& group : cal.efs) n += group.size();
    return n;
}
std::uint64_t efs_byte_count(const Calibration& cal) {
    std::uint64_t n = 0;
    for (const auto& group : cal.efs)
        for (const auto& f : group) n += f.data.size();
    return n;
}

static void diff_nv(const Calibration& a, const Calibration& b, std::vector<std::string>& out) {
    for (std::size_t s = 0; s < kSubscriptions; ++s) {
        std::map<std::pair<int, int>, const NvItem*> in_b;
        for (const auto& item : b.nv[s]) in_b[{item.id, item.sub_index}] = &item;
        for (const auto& item : a.nv[s]) {
            auto it = in_b.find({item.id, item.sub_index});
            std::string name =
                fmt::format("NV {} sub {} index {}", nv_display_name(item.id), s, item.sub_index);
            if (it == in_b.end())
                out.push_back(name + " missing in the second");
            else if (it->second->data != item.data)
                out.push_back(name + " differs");
            if (it != in_b.end()) in_b.erase(it);
        }
        for (const auto& [key, item] : in_b)
            out.push_back(fmt::format("NV {} sub {} index {} missing in the first",
                                      nv_display_name(item->id), s, item->sub_index));
    }
}

static void diff_efs(const Calibration& a, const Calibration& b, std::vector<std::string>& out) {
    for (EfsGroup g : kEfsGroups) {
        std::map<std::string, const EfsFile*> in_b;
        for (const auto& f : b.files(g)) in_b[f.path] = &f;
        for (const auto& f : a.files(g)) {
            auto it = in_b.find(f.path);
            std::string name = fmt::format("{} {}", storage_name(g), f.path);
            if (it == in_b.end())
                out.push_back(name + " missing in the second");
            else if (it->second->data != f.data)
                out.push_back(fmt::format("{} differs ({} vs {} bytes)", name, f.data.size(),
                                          it->second->data.size()));
            if (it != in_b.end()) in_b.erase(it);
        }
        for (const auto& [path, f] : in_b)
            out.push_back(fmt::format("{} {} missing in the first", storage_name(g), path));
    }
}

std::vector<std::string> diff_calibration(const Calibration& a, const Calibration& b) {
    std::vector<std::string> out;
    diff_nv(a, b, out);
    diff_efs(a, b, out);
    return out;
}

}  // namespace cr::nv
