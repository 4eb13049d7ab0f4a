#include "protocols/sahara/sahara_packets.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::sahara {
namespace {

constexpr std::uint32_t cmd(Command c) {
    return static_cast<std::uint32_t>(c);
}

// The fixed length of each known command (the table in PROTOCOLS.md §2).
std::optional<std::uint32_t> expected_length(std::uint32_t command) {
    switch (static_cast<Command>(command)) {
        case Command::hello:
        case Command::hello_resp:
            return 0x30;
        case Command::read_data:
            return 0x14;
        case Command::end_image_tx:
            return 0x10;
        case Command::done:
        case Command::reset:
        case Command::reset_resp:
        case Command::cmd_ready:
        case Command::reset_state_machine:
            return 0x08;
        case Command::done_resp:
        case Command::switch_mode:
        case Command::execute:
        case Command::execute_data:
            return 0x0C;
        case Command::memory_debug:
        case Command::memory_read:
        case Command::execute_resp:
            return 0x10;
        case Command::memory_debug_64:
        case Command::memory_read_64:
            return 0x18;
        case Command::read_data_64:
            return 0x20;
    }
    return std::nullopt;
}

ByteWriter start(Command c) {
    ByteWriter w;
    w.u32(cmd(c)).u32(*expected_length(cmd(c)));
    return w;
}

Mode to_mode(std::uint32_t v) {
    return static_cast<Mode>(v);
}
std::uint32_t from_mode(Mode m) {
    return static_cast<std::uint32_t>(m);
}

struct Encoder {
    Bytes operator()(const Hello& p) const {
        auto w = start(Command::hello);
        w.u32(p.version).u32(p.version_compatible).u32(p.max_cmd_len).u32(from_mode(p.mode));
        return w.zeros(24).take();
    }
    Bytes operator()(const HelloResp& p) const {
        auto w = start(Command::hello_resp);
        w.u32(p.version).u32(p.version_compatible).u32(p.status).u32(from_mode(p.mode));
        return w.zeros(24).take();
    }
    Bytes operator()(const ReadData& p) const {
        if (p.wide)
            return start(Command::read_data_64).u64(p.image_id).u64(p.offset).u64(p.length).take();
        if (p.image_id > UINT32_MAX || p.offset > UINT32_MAX || p.length > UINT32_MAX)
            throw DecodeError("READ_DATA fields do not fit 32 bits: use READ_DATA_64");
        return start(Command::read_data)
            .u32(static_cast<std::uint32_t>(p.image_id))
            .u32(static_cast<std::uint32_t>(p.offset))
            .u32(static_cast<std::uint32_t>(p.length))
            .take();
    }
    Bytes operator()(const EndImageTx& p) const {
        return start(Command::end_image_tx).u32(p.image_id).u32(p.status).take();
    }
    Bytes operator()(const Done&) const { return start(Command::done).take(); }
    Bytes operator()(const DoneResp& p) const {
        return start(Command::done_resp).u32(p.image_tx_status).take();
    }
    Bytes operator()(const Reset&) const { return start(Command::reset).take(); }
    Bytes operator()(const ResetResp&) const { return start(Command::reset_resp).take(); }
    Bytes operator()(const MemoryDebug& p) const {
        if (p.wide)
            return start(Command::memory_debug_64).u64(p.table_addr).u64(p.table_len).take();
        check32(p.table_addr, p.table_len, "MEMORY_DEBUG");
        return start(Command::memory_debug)
            .u32(static_cast<std::uint32_t>(p.table_addr))
            .u32(static_cast<std::uint32_t>(p.table_len))
            .take();
    }
    Bytes operator()(const MemoryRead& p) const {
        if (p.wide) return start(Command::memory_read_64).u64(p.addr).u64(p.len).take();
        check32(p.addr, p.len, "MEMORY_READ");
        return start(Command::memory_read)
            .u32(static_cast<std::uint32_t>(p.addr))
            .u32(static_cast<std::uint32_t>(p.len))
            .take();
    }
    Bytes operator()(const CmdReady&) const { return start(Command::cmd_ready).take(); }
    Bytes operator()(const SwitchMode& p) const {
        return start(Command::switch_mode).u32(from_mode(p.mode)).take();
    }
    Bytes operator()(const Execute& p) const {
        return start(Command::execute).u32(p.client_cmd).take();
    }
    Bytes operator()(const ExecuteResp& p) const {
        return start(Command::execute_resp).u32(p.client_cmd).u32(p.data_len).take();
    }
    Bytes operator()(const ExecuteData& p) const {
        return start(Command::execute_data).u32(p.client_cmd).take();
    }
    Bytes operator()(const ResetStateMachine&) const {
        return start(Command::reset_state_machine).take();
    }
    static void check32(std::uint64_t a, std::uint64_t b, std::string_view what) {
        if (a > UINT32_MAX || b > UINT32_MAX)
            throw DecodeError(fmt::format("{} fields do not fit 32 bits: use the _64 form", what));
    }
};

Packet decode_fields(Command c, ByteReader& r) {
    switch (c) {
        case Command::hello: {
            Hello h{r.u32(), r.u32(), r.u32(), to_mode(r.u32())};
            return h;
        }
        case Command::hello_resp: {
            HelloResp h{r.u32(), r.u32(), r.u32(), to_mode(r.u32())};
            return h;
        }
        case Command::read_data: {
            ReadData d{r.u32(), r.u32(), r.u32(), false};
            return d;
        }
        case Command::read_data_64: {
            ReadData d{r.u64(), r.u64(), r.u64(), true};
            return d;
        }
        case Command::end_image_tx: {
            EndImageTx e{r.u32(), r.u32()};
            return e;
        }
        case Command::done:
            return Done{};
        case Command::done_resp:
            return DoneResp{r.u32()};
        case Command::reset:
            return Reset{};
        case Command::reset_resp:
            return ResetResp{};
        case Command::memory_debug: {
            MemoryDebug m{r.u32(), r.u32(), false};
            return m;
        }
        case Command::memory_debug_64: {
            MemoryDebug m{r.u64(), r.u64(), true};
            return m;
        }
        case Command::memory_read: {
            MemoryRead m{r.u32(), r.u32(), false};
            return m;
        }
        case Command::memory_read_64: {
            MemoryRead m{r.u64(), r.u64(), true};
            return m;
        }
        case Command::cmd_ready:
            return CmdReady{};
        case Command::switch_mode:
            return SwitchMode{to_mode(r.u32())};
        case Command::execute:
            return Execute{r.u32()};
        case Command::execute_resp: {
            ExecuteResp e{r.u32(), r.u32()};
            return e;
        }
        case Command::execute_data:
            return ExecuteData{r.u32()};
        case Command::reset_state_machine:
            return ResetStateMachine{};
    }
    throw DecodeError("unreachable Sahara command");
}

std::string fixed_string(ByteView field) {
    std::string s;
    for (auto b : field) {
        if (b == 0) break;
        s.push_back(static_cast<char>(b));
    }
    return s;
}

void put_fixed(ByteWriter& w, const std::string& s, std::size_t size) {
    auto n = std::min(s.size(), size - 1);  // keep a terminating NUL
    w.bytes(as_bytes(std::string_view(s).substr(0, n))).zeros(size - n);
}

}  // namespace

Bytes encode(const Packet& packet) {
    return std::visit(Encoder{}, packet);
}

Header decode_header(ByteView data) {
    if (data.size() < kHeaderSize)
        throw DecodeError(
            fmt::format("Sahara packet truncated: {} bytes, the header alone is 8", data.size()));
    Header h{load_le32(data.data()), load_le32(data.data() + 4)};
    if (h.length < kHeaderSize || h.length > kMaxPacketSize)
        throw DecodeError(fmt::format("Sahara {} claims length {:#x} (valid: 0x8..{:#x})",
                                      command_name(h.command), h.length, kMaxPacketSize));
    return h;
}

Packet decode(ByteView packet) {
    Header h = decode_header(packet);
    auto want = expected_length(h.command);
    if (!want) throw DecodeError(fmt::format("unknown Sahara command {:#x}", h.command));
    if (h.length != *want)
        throw DecodeError(fmt::format("Sahara {} has length {:#x}, expected {:#x}",
                                      command_name(h.command), h.length, *want));
    if (packet.size() != h.length)
        throw DecodeError(fmt::format("Sahara {} is {} bytes but its header says {:#x}",
                                      command_name(h.command), packet.size(), h.length));
    ByteReader r(packet.subspan(kHeaderSize), command_name(h.command));
    return decode_fields(static_cast<Command>(h.command), r);
}

void throw_unexpected(const Packet& got, std::string_view wanted) {
    throw DecodeError(fmt::format("expected Sahara {}, got {}", wanted, packet_name(got)));
}

std::string command_name(std::uint32_t command) {
    switch (static_cast<Command>(command)) {
        case Command::hello:
            return "HELLO";
        case Command::hello_resp:
            return "HELLO_RESP";
        case Command::read_data:
            return "READ_DATA";
        case Command::end_image_tx:
            return "END_IMAGE_TX";
        case Command::done:
            return "DONE";
        case Command::done_resp:
            return "DONE_RESP";
        case Command::reset:
            return "RESET";
        case Command::reset_resp:
            return "RESET_RESP";
        case Command::memory_debug:
            return "MEMORY_DEBUG";
        case Command::memory_read:
            return "MEMORY_READ";
        case Command::cmd_ready:
            return "CMD_READY";
        case Command::switch_mode:
            return "SWITCH_MODE";
        case Command::execute:
            return "EXECUTE";
        case Command::execute_resp:
            return "EXECUTE_RESP";
        case Command::execute_data:
            return "EXECUTE_DATA";
        case Command::memory_debug_64:
            return "MEMORY_DEBUG_64";
        case Command::memory_read_64:
            return "MEMORY_READ_64";
        case Command::read_data_64:
            return "READ_DATA_64";
        case Command::reset_state_machine:
            return "RESET_STATE_MACHINE";
    }
    return fmt::format("unknown command {:#x}", command);
}

std::string packet_name(const Packet& packet) {
    return command_name(load_le32(encode(packet).data()));
}

std::string_view mode_name(Mode mode) {
    switch (mode) {
        case Mode::image_tx_pending:
            return "image transfer pending";
        case Mode::image_tx_complete:
            return "image transfer complete";
        case Mode::memory_debug:
            return "memory debug";
        case Mode::command:
            return "command";
    }
    return "unknown mode";
}

namespace {
struct Describer {
    std::string operator()(const Hello& p) const {
        return fmt::format("HELLO version {} compatible {} max_cmd_len {:#x} mode {}", p.version,
                           p.version_compatible, p.max_cmd_len, static_cast<std::uint32_t>(p.mode));
    }
    std::string operator()(const HelloResp& p) const {
        return fmt::format("HELLO_RESP version {} compatible {} status {:#x} mode {}", p.version,
                           p.version_compatible, p.status, static_cast<std::uint32_t>(p.mode));
    }
    std::string operator()(const ReadData& p) const {
        return fmt::format("{} image {} offset {:#x} length {:#x}",
                           p.wide ? "READ_DATA_64" : "READ_DATA", p.image_id, p.offset, p.length);
    }
    std::string operator()(const EndImageTx& p) const {
        return fmt::format("END_IMAGE_TX image {} status {:#x}", p.image_id, p.status);
    }
    std::string operator()(const DoneResp& p) const {
        return fmt::format("DONE_RESP status {}", p.image_tx_status);
    }
    std::string operator()(const MemoryDebug& p) const {
        return fmt::format("{} table {:#x} length {:#x}",
                           p.wide ? "MEMORY_DEBUG_64" : "MEMORY_DEBUG", p.table_addr, p.table_len);
    }
    std::string operator()(const MemoryRead& p) const {
        return fmt::format("{} addr {:#x} length {:#x}", p.wide ? "MEMORY_READ_64" : "MEMORY_READ",
                           p.addr, p.len);
    }
    std::string operator()(const SwitchMode& p) const {
        return fmt::format("SWITCH_MODE {}", static_cast<std::uint32_t>(p.mode));
    }
    std::string operator()(const Execute& p) const {
        return fmt::format("EXECUTE {:#x}", p.client_cmd);
    }
    std::string operator()(const ExecuteResp& p) const {
        return fmt::format("EXECUTE_RESP {:#x} data_len {}", p.client_cmd, p.data_len);
    }
    std::string operator()(const ExecuteData& p) const {
        return fmt::format("EXECUTE_DATA {:#x}", p.client_cmd);
    }
    std::string operator()(const auto& p) const { return packet_name(Packet{p}); }
};
}  // namespace

std::string describe(const Packet& packet) {
    return std::visit(Describer{}, packet);
}

std::string status_text(std::uint32_t status) {
    static constexpr std::string_view kNames[] = {
        "success",
        "invalid command received in the current state",
        "protocol mismatch between host and target",
        "invalid target protocol version",
        "invalid host protocol version",
        "invalid packet size received",
        "unexpected image ID received",
        "invalid image header size received",
        "invalid image data size received",
        "invalid image type received",
        "invalid transmission length",
        "invalid reception length",
        "general transmission or reception error",
        "error while transmitting READ_DATA (programmer rejected, probably by secure boot: use "
        "a programmer signed for this module)",
        "cannot receive the specified number of program headers",
        "invalid data length received for program headers",
        "multiple shared segments found in the ELF image",
        "uninitialised program header location",
        "invalid destination address",
        "invalid data size received in the image header",
        "invalid ELF header received",
        "unknown host error received in HELLO_RESP",
        "timeout while receiving data",
        "timeout while transmitting data",
        "invalid mode received from the host",
        "invalid memory read access",
        "host cannot handle the read data size requested",
        "memory debug not supported",
        "invalid mode switch",
        "command execution failed",
        "invalid parameter passed to command execution",
        "unsupported client command",
        "invalid client command for the data response",
        "failed to authenticate the hash table (image not signed for this module)",
        "failed to verify the hash of an ELF segment (image corrupt or not signed for this "
        "module)",
        "failed to find the hash table in the ELF image",
        "target failed to initialise",
        "failed to authenticate the image (not signed for this module)",
        "invalid ELF hash table size",
        "USB enumeration failed",
        "USB bulk transfer error",
    };
    static_assert(std::size(kNames) == 0x29);
    if (status < std::size(kNames)) return fmt::format("{:#04x} {}", status, kNames[status]);
    return fmt::format("unknown status {:#x}", status);
}

std::string status_advice(std::uint32_t status) {
    switch (status) {
        case 0x0D:
        case 0x21:
        case 0x22:
        case 0x25:
            return "use a Firehose programmer signed for this module (same chip, same OEM key); "
                   "the module stays in EDL and can be retried";
        case 0x07:
        case 0x08:
        case 0x13:
        case 0x14:
        case 0x23:
        case 0x26:
            return "the programmer file looks truncated or corrupt: get a fresh copy from the "
                   "firmware package; the module stays in EDL";
        default:
            return "reset the module (power cycle) so it comes back in EDL with a fresh HELLO, "
                   "then retry";
    }
}

std::vector<MemoryRegion> decode_memory_table(ByteView table, bool wide) {
    std::size_t entry = wide ? kRegionEntry64 : kRegionEntry32;
    if (table.size() % entry != 0)
        throw DecodeError(
            fmt::format("memory debug table is {} bytes, not a multiple of the {}-byte "
                        "{}-bit entry",
                        table.size(), entry, wide ? 64 : 32));
    std::vector<MemoryRegion> out;
    ByteReader r(table, "memory debug table");
    while (r.remaining() > 0) {
        MemoryRegion m;
        m.save_pref = wide ? r.u64() : r.u32();
        m.base = wide ? r.u64() : r.u32();
        m.length = wide ? r.u64() : r.u32();
        m.description = fixed_string(r.bytes(20));
        m.filename = fixed_string(r.bytes(20));
        out.push_back(std::move(m));
    }
    return out;
}

Bytes encode_memory_table(std::span<const MemoryRegion> regions, bool wide) {
    ByteWriter w;
    for (const auto& m : regions) {
        if (wide) {
            w.u64(m.save_pref).u64(m.base).u64(m.length);
        } else {
            Encoder::check32(m.base, m.length, "memory table entry");
            w.u32(static_cast<std::uint32_t>(m.save_pref))
                .u32(static_cast<std::uint32_t>(m.base))
                .u32(static_cast<std::uint32_t>(m.length));
        }
        put_fixed(w, m.description, 20);
        put_fixed(w, m.filename, 20);
    }
    return w.take();
}

HwId decode_msm_hw_id(ByteView data) {
    if (data.size() != 8)
        throw DecodeError(fmt::format("MSM HW ID reply is {} bytes, expected 8", data.size()));
    ByteReader r(data, "MSM HW ID");
    std::uint64_t v = r.u64();
    return {static_cast<std::uint32_t>(v >> 32), static_cast<std::uint16_t>(v >> 16),
            static_cast<std::uint16_t>(v)};
}

Bytes encode_msm_hw_id(const HwId& id) {
    std::uint64_t v =
        (std::uint64_t{id.msm_id} << 32) | (std::uint64_t{id.oem_id} << 16) | id.model_id;
    return ByteWriter().u64(v).take();
}

HwId decode_chip_id_v3(ByteView data) {
    if (data.size() < 44)
        throw DecodeError(
            fmt::format("chip-ID v3 reply is {} bytes, expected at least 44", data.size()));
    ByteReader r(data.subspan(36), "chip-ID v3");
    HwId id;
    id.msm_id = r.u32();
    id.oem_id = r.u16();
    id.model_id = r.u16();
    return id;
}

Bytes encode_chip_id_v3(const HwId& id) {
    ByteWriter w;
    w.zeros(36).u32(id.msm_id).u16(id.oem_id).u16(id.model_id).zeros(84 - 44);
    return w.take();
}

std::uint32_t decode_u32_payload(ByteView data, std::string_view what) {
    if (data.size() < 4)
        throw DecodeError(fmt::format("{} reply is {} bytes, expected 4", what, data.size()));
    return load_le32(data.data());
}

std::string decode_pk_hash(ByteView data) {
    std::size_t n;
    if (data.size() == 32 || data.size() == 48)
        n = data.size();
    else if (data.size() >= 48 && data.size() % 48 == 0)
        n = 48;
    else if (data.size() >= 32 && data.size() % 32 == 0)
        n = 32;
    else
        throw DecodeError(
            fmt::format("OEM PK hash reply is {} bytes, expected 32 or 48 (or a "
                        "repeat of them)",
                        data.size()));
    return to_hex(data.first(n));
}

}  // namespace cr::sahara
