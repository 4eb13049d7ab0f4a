// Pure decoders of DIAG replies (PROTOCOLS.md §4).
#include <fmt/format.h>

#include "protocols/diag/diag_client.hpp"

namespace cr::diag {
namespace {

void expect_command(ByteView reply, std::uint8_t cmd, std::string_view what) {
    if (reply.empty() || reply[0] != cmd)
        throw DecodeError(fmt::format("{} reply does not start with 0x{:02X}", what, cmd));
}

std::string fixed_string(ByteReader& r, std::size_t n) {
    auto b = r.bytes(n);
    std::string s(as_chars(b));
    if (auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
    return s;
}

}  // namespace

VersionInfo decode_verno(ByteView reply) {
    expect_command(reply, kVerno, "VERNO");
    ByteReader r(reply.subspan(1), "VERNO reply");
    VersionInfo v;
    v.comp_date = fixed_string(r, 11);
    v.comp_time = fixed_string(r, 8);
    v.rel_date = fixed_string(r, 11);
    v.rel_time = fixed_string(r, 8);
    v.ver_dir = fixed_string(r, 8);
    v.scm = r.u8();
    v.cai_rev = r.u8();
    v.model = r.u8();
    v.firm_rev = r.u16();
    v.slot_cycle = r.u8();
    v.hw_major = r.u8();
    v.hw_minor = r.u8();
    return v;
}

ExtBuildId decode_ext_build_id(ByteView reply) {
    expect_command(reply, kExtBuildId, "EXT_BUILD_ID");
    ByteReader r(reply.subspan(1), "EXT_BUILD_ID reply");
    ExtBuildId e;
    e.version = r.u8();
    r.skip(2);
    e.msm_hw_version = r.u32();
    e.mobile_model_id = r.u32();
    e.build_id = r.cstring();
    if (r.remaining() > 0) e.model_string = r.cstring();
    return e;
}

std::uint32_t decode_esn(ByteView reply) {
    expect_command(reply, kEsn, "ESN");
    ByteReader r(reply.subspan(1), "ESN reply");
    return r.u32();
}

}  // namespace cr::diag
