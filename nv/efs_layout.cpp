#include "nv/efs_layout.hpp"

#include <string>

namespace cr::nv {

std::string absolute_efs_path(std::string_view path) {
    std::string out(path);
    if (!out.starts_with("/")) out.insert(out.begin(), '/');
    return out;
}

EfsGroup classify_efs_path(std::string_view path) {
    std::string p = absolute_efs_path(path);
    if (p.starts_with("/nv/item_files/ims/") || p.starts_with("/nv/item_files/modem/data/"))
        return EfsGroup::provisioning;
    if (p.starts_with("/nv/item_files/")) return EfsGroup::nv_items;
    return EfsGroup::efs_backup;
}

bool is_item_file_path(std::string_view path) {
    std::string p = absolute_efs_path(path);
    return p.starts_with("/nv/item_files/") || p.starts_with("/nvm/");
}

}  // namespace cr::nv
