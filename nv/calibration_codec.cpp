#include "nv/calibration_codec.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "nv/imei.hpp"
#include "src/util/error.hpp"

namespace cr::nv {

Bytes encode_nv_records(const std::vector<NvItem>& items) {
    ByteWriter w;
    for (const auto& item : items)
        w.u16(kNvRecordSize).u16(item.tag).u16(item.id).u16(item.sub_index).bytes(item.data);
    return w.take();
}

std::vector<NvItem> decode_nv_records(ByteView data, const std::string& stream_name) {
    if (data.size() % kNvRecordSize != 0)
        throw DecodeError(fmt::format("{}: {} bytes is not a whole number of 136-byte NV records",
                                      stream_name, data.size()),
                          "nothing was written to any device",
                          "the backup file is damaged or truncated; use another copy");
    std::vector<NvItem> items;
    ByteReader r(data, stream_name);
    while (r.remaining() > 0) {
        std::size_t at = r.offset();
        std::uint16_t length = r.u16();
        if (length != kNvRecordSize)
            throw DecodeError(fmt::format("{}: record at offset {} has length {} (expected 136)",
                                          stream_name, at, length),
                              "nothing was written to any device",
                              "the backup file is damaged; use another copy");
        NvItem item;
        item.tag = r.u16();
        item.id = r.u16();
        item.sub_index = r.u16();
        auto d = r.bytes(kNvDataSize);
        std::copy(d.begin(), d.end(), item.data.begin());
        items.push_back(item);
    }
    return items;
}

Bytes encode_efs_dir_entry(EfsGroup group, const EfsFile& file) {
    ByteWriter w;
    switch (group) {
        case EfsGroup::efs_backup:
            w.bytes(file.entry_header).u32(file.mtime).str(file.path);
            break;
        case EfsGroup::provisioning:
            w.cstring(file.path);
            break;
        case EfsGroup::nv_items:
            w.str(file.path);
            break;
    }
    return w.take();
}

static std::string checked_path(ByteView bytes, EfsGroup group) {
    std::string path(as_chars(bytes));
    if (path.empty() || path.find('\0') != std::string::npos)
        throw DecodeError(
            fmt::format("{}: EFS_Dir entry has an empty or malformed path", storage_name(group)),
            "nothing was written to any device", "the backup file is damaged; use another copy");
    return path;
}

void decode_efs_dir_entry(EfsGroup group, ByteView data, EfsFile& file) {
    ByteReader r(data, fmt::format("{} EFS_Dir entry", storage_name(group)));
    switch (group) {
        case EfsGroup::efs_backup: {
            auto header = r.bytes(4);
            std::copy(header.begin(), header.end(), file.entry_header.begin());
            file.mtime = r.u32();
            file.path = checked_path(r.rest(), group);
            break;
        }
        case EfsGroup::provisioning: {
            if (data.empty() || data.back() != 0)
                throw DecodeError("Provisioning_Item_Files: EFS_Dir path is not NUL-terminated",
                                  "nothing was written to any device",
                                  "the backup file is damaged; use another copy");
            file.path = checked_path(data.first(data.size() - 1), group);
            break;
        }
        case EfsGroup::nv_items:
            file.path = checked_path(data, group);
            break;
    }
}

static void put_string16(ByteWriter& w, const std::string& s, const char* what) {
    if (s.size() > 0xFFFF) throw UsageError(fmt::format("{} is too long", what));
    w.u16(static_cast<std::uint16_t>(s.size())).str(s);
}

Bytes encode_mobile_property(const MobileProperty& p) {
    ByteWriter w;
    w.u32(p.esn).u16(p.mobile_model).u8(p.nv_major).u8(p.nv_minor);
    put_string16(w, p.sw_version, "SW version");
    put_string16(w, p.tool_name, "tool name");
    return w.take();
}

MobileProperty decode_mobile_property(ByteView data) {
    ByteReader r(data, "Mobile_Property_Info");
    MobileProperty p;
    p.esn = r.u32();
    p.mobile_model = r.u16();
    p.nv_major = r.u8();
    p.nv_minor = r.u8();
    p.sw_version = std::string(as_chars(r.bytes(r.u16())));
    p.tool_name = std::string(as_chars(r.bytes(r.u16())));
    if (r.remaining() != 0)
        throw DecodeError(
            fmt::format("Mobile_Property_Info: {} unexpected trailing bytes", r.remaining()));
    return p;
}

Bytes encode_feature_mask(ByteView mask) {
    if (mask.size() > 0xFFFF) throw UsageError("feature mask is too long");
    ByteWriter w;
    w.u16(static_cast<std::uint16_t>(mask.size())).bytes(mask);
    return w.take();
}

Bytes decode_feature_mask(ByteView data) {
    ByteReader r(data, "Feature_Mask");
    auto mask = r.bytes(r.u16());
    if (r.remaining() != 0)
        throw DecodeError(fmt::format("Feature_Mask: {} unexpected trailing bytes", r.remaining()));
    return Bytes(mask.begin(), mask.end());
}

Bytes encode_file_version(const std::array<std::uint16_t, 3>& v) {
    ByteWriter w;
    w.u16(v[0]).u16(v[1]).u16(v[2]);
    return w.take();
}

std::array<std::uint16_t, 3> decode_file_version(ByteView data) {
    if (data.size() != 6)
        throw DecodeError(fmt::format("File_Version: {} bytes (expected 6)", data.size()));
    ByteReader r(data, "File_Version");
    std::array<std::uint16_t, 3> v{};
    for (auto& x : v) x = r.u16();
    return v;
}

void derive_identity(Calibration& cal) {
    cal.identity.imeis = imeis_of(cal);
    cal.identity.esn = cal.property.esn;
    cal.identity.mobile_model_id = cal.mobile_model_id;
    if (cal.identity.firmware.empty()) cal.identity.firmware = cal.property.sw_version;
}

}  // namespace cr::nv
