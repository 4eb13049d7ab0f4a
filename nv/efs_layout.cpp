#include "nv/efs_layout.hpp"

#include <algorithm>
#include <string>

#include "nv/nv_catalog.hpp"

namespace cr::nv {

std::string absolute_efs_path(std::string_view path) {
    std::string out(path);
    if (!out.starts_with("/")) out.insert(out.begin(), '/');
    return out;
}

EfsGroup classify_efs_path(std::string_view path) {
    std::string p = absolute_efs_path(path);
    if (p.starts_with("/nv/item_files/rfnv/")) return EfsGroup::efs_backup;
    if (p.starts_with("/nv/item_files/") || p.starts_with("/nv/reg_files/") ||
        p.starts_with("/sd/"))
        return EfsGroup::provisioning;
    return EfsGroup::efs_backup;
}

bool is_item_file_path(std::string_view path) {
    std::string p = absolute_efs_path(path);
    return p.starts_with("/nv/item_files/") || p.starts_with("/nvm/");
}

namespace {

// The EFS copy of a numbered item that NV_NUMBERED_ITEMS holds too.
bool duplicates_nv_record(const Calibration& cal, const std::string& path) {
    auto ref = parse_nv_file_path(absolute_efs_path(path));
    return ref && find_item(cal, ref->subscription, ref->id, ref->index) != nullptr;
}

}  // namespace

Calibration qpst_shaped(const Calibration& cal) {
    Calibration out = cal;
    for (auto& group : out.efs) group.clear();
    for (EfsGroup g : kEfsGroups)
        for (const EfsFile& f : cal.files(g)) {
            if (duplicates_nv_record(cal, f.path)) continue;
            EfsGroup to = classify_efs_path(f.path);
            EfsFile file = f;
            if (to != EfsGroup::efs_backup) {  // only EFS_Backup dir entries keep times and headers
                file.mtime = 0;
                file.entry_header = EfsFile{}.entry_header;
            }
            out.files(to).push_back(std::move(file));
        }
    for (auto& group : out.efs)
        std::stable_sort(group.begin(), group.end(), [](const EfsFile& a, const EfsFile& b) {
            return absolute_efs_path(a.path) < absolute_efs_path(b.path);
        });
    out.group_order = kQpstGroupOrder;
    return out;
}

bool made_by_cellrescue(const Calibration& cal) {
    return cal.property.tool_name == "cellrescue";
}

}  // namespace cr::nv
