#include "sim/ublox/ublox_package.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "src/util/digest.hpp"

namespace cr::sim::ublox {

namespace {

constexpr std::string_view magic = "CRUBXPK1";
// The "vendor key" of the virtual modules' signature (a test fixture, not a secret).
constexpr std::string_view signing_key = "cellrescue virtual u-blox signing key v1";

Bytes sign(ByteView signed_part) {
    Digest d(Digest::Algorithm::sha256);
    d.update(as_bytes(signing_key));
    d.update(signed_part);
    return d.finish();
}

Validation fail(int code, std::string reason) {
    return {code, {}, std::move(reason)};
}

}  // namespace

Bytes make_package(const PackageInfo& info) {
    Bytes payload(info.payload_size);
    std::uint32_t x = 2166136261u;
    for (char c : info.model + info.version) x = (x ^ static_cast<std::uint8_t>(c)) * 16777619u;
    for (auto& b : payload) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<std::uint8_t>(x);
    }
    nlohmann::json header{{"model", info.model},
                          {"version", info.version},
                          {"from", info.from},
                          {"payload_size", payload.size()},
                          {"payload_sha256", sha256_hex(payload)}};
    std::string h = header.dump();
    ByteWriter w;
    w.str(magic).u32(static_cast<std::uint32_t>(h.size())).str(h).bytes(payload);
    Bytes out = w.take();
    Bytes sig = sign(out);
    out.insert(out.end(), sig.begin(), sig.end());
    return out;
}

Validation validate_package(ByteView data, const std::string& model,
                            const std::string& current_firmware) {
    if (data.size() < magic.size() + 4 || as_chars(data.subspan(0, magic.size())) != magic)
        return fail(158, "not an update package (bad magic)");
    ByteReader r(data.subspan(magic.size()), "package");
    std::uint32_t hlen = r.u32();
    if (hlen > r.remaining()) return fail(180, "header longer than the file");
    nlohmann::json header = nlohmann::json::parse(as_chars(r.bytes(hlen)), nullptr, false);
    if (header.is_discarded() || !header.is_object() ||
        !header["payload_size"].is_number_unsigned())
        return fail(148, "package header corrupted");
    std::size_t psize = header["payload_size"].get<std::size_t>();
    if (psize > r.remaining() || r.remaining() - psize < 32)
        return fail(180, "package shorter than its header says");
    ByteView payload = r.bytes(psize);
    ByteView signature = r.bytes(32);
    ByteView rest = r.rest();
    if (!std::all_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b == 0x1A; }))
        return fail(180, "data after the package end");
    if (sha256_hex(payload) != header.value("payload_sha256", ""))
        return fail(148, "payload checksum mismatch (delta corrupted)");
    std::size_t signed_len = magic.size() + 4 + hlen + psize;
    Bytes expected = sign(data.subspan(0, signed_len));
    if (!std::equal(expected.begin(), expected.end(), signature.begin()))
        return fail(173, "signature mismatch");
    if (header.value("model", "") != model)
        return fail(168,
                    fmt::format("package is for {}, not {}", header.value("model", "?"), model));
    std::string from = header.value("from", "*");
    if (from != "*" && from != current_firmware)
        return fail(
            168, fmt::format("package needs firmware {} (module has {})", from, current_firmware));
    return {128, header.value("version", ""), "valid"};
}

}  // namespace cr::sim::ublox
