#include "nv/calibration_tree.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "nv/calibration_codec.hpp"
#include "src/util/error.hpp"

namespace cr::nv {

namespace {

constexpr const char* kDefaultSource = "C:\\cellrescue\\00000000_0.xqcn";
constexpr std::array<const char*, 3> kNvStreams = {"NV_ITEM_ARRAY", "NV_ITEM_ARRAY_SIM_1",
                                                   "NV_ITEM_ARRAY_SIM_2"};

QcnNode storage(std::string name) {
    return {std::move(name), true, {}, {}};
}
QcnNode stream(std::string name, Bytes value) {
    return {std::move(name), false, std::move(value), {}};
}

QcnNode efs_group_tree(EfsGroup group, const std::vector<EfsFile>& files) {
    QcnNode node = storage(storage_name(group));
    QcnNode dir = storage("EFS_Dir");
    QcnNode data = storage("EFS_Data");
    for (std::size_t i = 0; i < files.size(); ++i) {
        std::string name = fmt::format("{:08X}", i);
        dir.children.push_back(stream(name, encode_efs_dir_entry(group, files[i])));
        data.children.push_back(stream(name, files[i].data));
    }
    node.children.push_back(std::move(dir));
    node.children.push_back(std::move(data));
    return node;
}

[[noreturn]] void bad(const std::string& where, const std::string& what) {
    throw DecodeError(fmt::format("calibration file: {}: {}", where, what),
                      "nothing was written to any device",
                      "the file is damaged or not a QPST backup; use another copy");
}

const QcnNode& expect(const QcnNode& node, bool want_storage, const std::string& where) {
    if (node.is_storage != want_storage)
        bad(where + "/" + node.name, want_storage ? "expected a Storage" : "expected a Stream");
    return node;
}

void read_nv_numbered(const QcnNode& node, Calibration& cal, const std::string& where) {
    for (const auto& child : node.children) {
        expect(child, false, where);
        auto it = std::find(kNvStreams.begin(), kNvStreams.end(), child.name);
        if (it == kNvStreams.end()) bad(where + "/" + child.name, "unknown stream");
        auto sub = static_cast<std::size_t>(it - kNvStreams.begin());
        cal.nv[sub] = decode_nv_records(child.value, where + "/" + child.name);
    }
}

const QcnNode* child_named(const QcnNode& node, std::string_view name) {
    for (const auto& c : node.children)
        if (c.name == name) return &c;
    return nullptr;
}

std::map<std::string, const QcnNode*> streams_of(const QcnNode& node, const std::string& where) {
    std::map<std::string, const QcnNode*> out;
    for (const auto& c : node.children) {
        expect(c, false, where);
        if (!out.emplace(c.name, &c).second) bad(where + "/" + c.name, "duplicate stream");
    }
    return out;
}

void read_efs_group(const QcnNode& node, EfsGroup group, Calibration& cal,
                    const std::string& where) {
    for (const auto& c : node.children)
        if (c.name != "EFS_Dir" && c.name != "EFS_Data")
            bad(where + "/" + c.name, "unknown storage");
    const QcnNode* dir = child_named(node, "EFS_Dir");
    const QcnNode* data = child_named(node, "EFS_Data");
    if (!dir || !data) bad(where, "EFS_Dir or EFS_Data is missing");
    expect(*dir, true, where);
    expect(*data, true, where);
    auto dirs = streams_of(*dir, where + "/EFS_Dir");
    auto datas = streams_of(*data, where + "/EFS_Data");
    if (dirs.size() != datas.size()) bad(where, "EFS_Dir and EFS_Data hold different counts");
    auto& files = cal.files(group);
    for (const auto& [name, entry] : dirs) {  // map order = %08X order
        auto d = datas.find(name);
        if (d == datas.end()) bad(where + "/EFS_Data/" + name, "missing (EFS_Dir has it)");
        EfsFile file;
        decode_efs_dir_entry(group, entry->value, file);
        file.data = d->second->value;
        files.push_back(std::move(file));
    }
}

// The groups in the order met, then any missing ones in QPST's order.
void record_group_order(std::vector<EfsGroup>& seen, Calibration& cal) {
    for (EfsGroup g : kQpstGroupOrder)
        if (std::find(seen.begin(), seen.end(), g) == seen.end()) seen.push_back(g);
    std::copy_n(seen.begin(), cal.group_order.size(), cal.group_order.begin());
}

void read_default(const QcnNode& node, Calibration& cal, const std::string& where) {
    std::vector<EfsGroup> seen;
    for (const auto& c : node.children) {
        std::string path = where + "/" + c.name;
        if (c.name == "NV_NUMBERED_ITEMS") {
            read_nv_numbered(expect(c, true, where), cal, path);
        } else if (c.name == "Mobile_Property_Info") {
            cal.property = decode_mobile_property(expect(c, false, where).value);
        } else if (c.name == "Feature_Mask") {
            cal.feature_mask = decode_feature_mask(expect(c, false, where).value);
        } else {
            auto g = std::find_if(kEfsGroups.begin(), kEfsGroups.end(),
                                  [&](EfsGroup x) { return c.name == storage_name(x); });
            if (g == kEfsGroups.end()) bad(path, "unknown storage or stream");
            if (std::find(seen.begin(), seen.end(), *g) != seen.end())
                bad(path, "the storage appears twice");
            seen.push_back(*g);
            read_efs_group(expect(c, true, where), *g, cal, path);
        }
    }
    record_group_order(seen, cal);
}

std::uint32_t parse_model_id(const std::string& name, const std::string& where) {
    if (name.size() != 8 || !std::all_of(name.begin(), name.end(), ::isdigit))
        bad(where + "/" + name, "expected an 8-digit mobile model id storage");
    return static_cast<std::uint32_t>(std::stoul(name));
}

}  // namespace

QcnNode calibration_to_tree(const Calibration& cal) {
    QcnNode root = storage(cal.source_name.empty() ? kDefaultSource : cal.source_name);
    QcnNode model = storage(fmt::format("{:08d}", cal.mobile_model_id % 100000000u));
    QcnNode def = storage("default");
    QcnNode numbered = storage("NV_NUMBERED_ITEMS");
    for (std::size_t s = 0; s < kSubscriptions; ++s)
        numbered.children.push_back(stream(kNvStreams[s], encode_nv_records(cal.nv[s])));
    def.children.push_back(std::move(numbered));
    for (EfsGroup g : cal.group_order) def.children.push_back(efs_group_tree(g, cal.files(g)));
    def.children.push_back(stream("Mobile_Property_Info", encode_mobile_property(cal.property)));
    def.children.push_back(stream("Feature_Mask", encode_feature_mask(cal.feature_mask)));
    model.children.push_back(std::move(def));
    root.children.push_back(std::move(model));
    root.children.push_back(stream("File_Version", encode_file_version(cal.file_version)));
    return root;
}

Calibration calibration_from_tree(const QcnNode& root) {
    Calibration cal;
    cal.source_name = root.name == kDefaultSource ? std::string() : root.name;
    bool have_model = false;
    for (const auto& c : root.children) {
        if (c.name == "File_Version" && !c.is_storage) {
            cal.file_version = decode_file_version(c.value);
            continue;
        }
        if (!c.is_storage) bad("/" + c.name, "unknown stream");
        if (have_model) bad("/" + c.name, "more than one mobile model storage");
        cal.mobile_model_id = parse_model_id(c.name, "");
        have_model = true;
        for (const auto& d : c.children) {
            if (d.name != "default" || !d.is_storage)
                bad("/" + c.name + "/" + d.name, "unknown storage (expected 'default')");
            read_default(d, cal, "/" + c.name + "/default");
        }
    }
    if (!have_model) bad("/", "no mobile model storage");
    derive_identity(cal);
    return cal;
}

}  // namespace cr::nv
