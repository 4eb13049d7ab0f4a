#include "nv/identity_items.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "nv/efs_layout.hpp"
#include "nv/imei.hpp"
#include "nv/nv_catalog.hpp"
#include "src/util/error.hpp"

namespace cr::nv {
namespace {

constexpr std::array<IdentityItem, 4> kItems{{
    {IdentityKind::imei, item::ue_imei, 0, "IMEI (SIM 1)"},
    {IdentityKind::imei, item::ue_imei, 1, "IMEI (SIM 2)"},
    {IdentityKind::esn, item::esn, 0, "ESN"},
    {IdentityKind::meid, item::meid, 0, "MEID"},
}};

std::uint64_t le_value(ByteView data, std::size_t bytes) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < std::min(bytes, data.size()); ++i)
        v |= static_cast<std::uint64_t>(data[i]) << (8 * i);
    return v;
}

}  // namespace

std::span<const IdentityItem> identity_items() {
    return kItems;
}

std::string identity_value(const IdentityItem& item, ByteView data) {
    switch (item.kind) {
        case IdentityKind::imei:
            try {
                return decode_imei_nv(data).value_or("");
            } catch (const DecodeError&) {
                return "(malformed)";
            }
        case IdentityKind::esn: {
            auto esn = static_cast<std::uint32_t>(le_value(data, 4));
            return esn == 0 || esn == 0xFFFFFFFFu ? "" : fmt::format("0x{:08X}", esn);
        }
        case IdentityKind::meid: {
            std::uint64_t meid = le_value(data, 7);  // 56 bits
            return meid == 0 || meid == 0xFFFFFFFFFFFFFFull ? "" : fmt::format("{:014X}", meid);
        }
    }
    return "";
}

std::string backup_identity_value(const Calibration& cal, const IdentityItem& item) {
    if (const NvItem* nv = find_item(cal, item.subscription, item.nv_id))
        return identity_value(item, nv->data);
    if (item.kind == IdentityKind::esn && cal.property.esn != 0 && cal.property.esn != 0xFFFFFFFFu)
        return fmt::format("0x{:08X}", cal.property.esn);
    return "";
}

bool is_identity_copy(std::string_view path, const IdentityItem& item) {
    auto ref = parse_nv_file_path(absolute_efs_path(path));
    return ref && !ref->indexed && ref->id == item.nv_id && ref->subscription == item.subscription;
}

std::size_t drop_identity_item(Calibration& cal, const IdentityItem& item) {
    std::size_t removed = 0;
    auto& items = cal.nv[item.subscription];
    auto end = std::remove_if(items.begin(), items.end(),
                              [&](const NvItem& i) { return i.id == item.nv_id; });
    removed += static_cast<std::size_t>(items.end() - end);
    items.erase(end, items.end());
    for (auto& group : cal.efs) {
        auto gend = std::remove_if(group.begin(), group.end(), [&](const EfsFile& f) {
            return is_identity_copy(f.path, item);
        });
        removed += static_cast<std::size_t>(group.end() - gend);
        group.erase(gend, group.end());
    }
    return removed;
}

}  // namespace cr::nv
