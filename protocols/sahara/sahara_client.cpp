#include "protocols/sahara/sahara_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "src/util/error.hpp"

namespace cr::sahara {
namespace {

constexpr std::uint32_t kMaxExecData = 64 * 1024;   // no identity reply is near this
constexpr std::uint64_t kMaxMemoryTable = 1 << 20;  // ~16000 regions

// Union length of [offset, offset+len) ranges: image bytes the target actually asked for.
std::uint64_t covered_bytes(std::map<std::uint64_t, std::uint64_t> ranges) {
    std::uint64_t total = 0, end = 0;
    for (auto [start, stop] : ranges) {
        if (stop <= end) continue;
        total += stop - std::max(start, end);
        end = stop;
    }
    return total;
}

}  // namespace

ImageSource image_from_bytes(ByteView bytes, std::string name) {
    ImageSource s;
    s.size = bytes.size();
    s.name = std::move(name);
    s.read = [bytes](std::uint64_t offset, std::span<std::uint8_t> out) {
        std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
    };
    return s;
}

std::optional<std::uint32_t> ChipIdentity::msm_hw_id() const {
    if (hw_id) return hw_id->msm_id;
    if (chip_id_v3) return chip_id_v3->msm_id;
    return std::nullopt;
}

Client::Client(Transport& transport, ClientOptions options)
    : stream_(transport, "host"), options_(options) {}

std::string Client::device_state() const {
    return fmt::format("{} is in EDL, its Sahara target {}", stream_.transport().description(),
                       phase_);
}

Packet Client::expect_packet(std::string_view waiting_for) {
    std::optional<Packet> p;
    try {
        p = stream_.next(options_.packet_timeout);
    } catch (const DeviceGoneError& e) {
        throw DeviceGoneError(
            fmt::format("the device went away while its Sahara target {} ({})", phase_, e.what()),
            "the device is gone (unplugged or rebooted)",
            "reconnect it, bring it back into EDL and retry");
    }
    if (!p)
        throw TimeoutError(fmt::format("{} sent nothing for {} ms while waiting for {}",
                                       stream_.transport().description(),
                                       options_.packet_timeout.count(), waiting_for),
                           device_state(),
                           "power-cycle the module into EDL (or run `cellrescue edl reset`) and "
                           "retry");
    return *p;
}

void Client::fail_status(std::uint32_t status, std::string_view during) {
    throw ProtocolError(
        fmt::format("the target refused {}: Sahara status {}", during, status_text(status)),
        fmt::format("{} is still in EDL (Sahara)", stream_.transport().description()),
        status_advice(status));
}

const HelloInfo& Client::wait_hello() {
    for (int attempt = 0; attempt < std::max(1, options_.hello_attempts); ++attempt) {
        if (attempt > 0) {
            // Attached to a target already past HELLO: ask it to start over.
            spdlog::debug("no Sahara HELLO yet: sending RESET_STATE_MACHINE");
            stream_.discard_buffer();
            stream_.send(ResetStateMachine{}, options_.packet_timeout);
        }
        Deadline deadline(options_.hello_timeout);
        while (!deadline.expired()) {
            std::optional<Packet> p;
            try {
                p = stream_.next(deadline.remaining());
            } catch (const DecodeError& e) {
                if (auto seen = stream_.peek(); !seen.empty() && seen[0] == '<')
                    throw FirehoseRunningError(
                        fmt::format("{} answers in Firehose XML, not Sahara",
                                    stream_.transport().description()),
                        "the device is in EDL with a Firehose programmer already running",
                        "use the Firehose commands (`cellrescue edl partitions`) without "
                        "uploading, or power-cycle it into EDL to start over");
                spdlog::debug("dropping unreadable bytes while waiting for HELLO: {}", e.what());
                stream_.discard_buffer();
                continue;
            }
            if (!p) break;
            if (auto* h = std::get_if<Hello>(&*p)) {
                hello_ = HelloInfo{h->version, h->version_compatible, h->max_cmd_len, h->mode,
                                   attempt > 0};
                phase_ = fmt::format("said HELLO (mode: {})", mode_name(h->mode));
                return *hello_;
            }
            spdlog::debug("ignoring stale {} while waiting for HELLO", packet_name(*p));
        }
    }
    throw TimeoutError(
        fmt::format("no Sahara HELLO from {} within {} ms, even after RESET_STATE_MACHINE",
                    stream_.transport().description(),
                    options_.hello_timeout.count() * std::max(1, options_.hello_attempts)),
        "the device shows an EDL port but its Sahara target is silent (a programmer may already "
        "be running, or the target is stuck)",
        "if a Firehose programmer already runs, use the edl commands without uploading; "
        "otherwise power-cycle the module into EDL and retry");
}

void Client::answer_hello(Mode mode) {
    if (!hello_) throw ProtocolError("Sahara client used before wait_hello()");
    stream_.send(HelloResp{options_.host_version, 1, kStatusSuccess, mode},
                 options_.packet_timeout);
}

UploadResult Client::upload_image(ByteView image, const ProgressFn& progress) {
    return upload_image(image_from_bytes(image), progress);
}

UploadResult Client::upload_image(const ImageSource& image, const ProgressFn& progress) {
    if (!hello_) wait_hello();
    if (hello_->mode == Mode::memory_debug)
        throw ProtocolError(
            "the target is in crash-dump (memory debug) mode: it takes no programmer",
            device_state(), "save the dump with `cellrescue edl ramdump`, then power-cycle it");
    if (image.size == 0)
        throw UsageError(fmt::format("{} is empty", image.name), "the device is still in EDL",
                         "give the Firehose programmer file (.mbn/.elf) from the firmware package");
    answer_hello(Mode::image_tx_pending);
    phase_ = fmt::format("was receiving {}", image.name);
    UploadResult result;
    result.image_size = image.size;
    std::map<std::uint64_t, std::uint64_t> ranges;
    Bytes buf;
    for (;;) {
        Packet p = expect_packet("READ_DATA or END_IMAGE_TX");
        if (auto* rd = std::get_if<ReadData>(&p)) {
            if (rd->offset > image.size || rd->length > image.size - rd->offset)
                throw UsageError(
                    fmt::format("the target asks for bytes {:#x}..{:#x} of {} but it has only {} "
                                "bytes: the file is truncated or not a programmer for this module",
                                rd->offset, rd->offset + rd->length, image.name, image.size),
                    device_state(),
                    "use the complete programmer file; power-cycle into EDL to retry");
            result.image_id = static_cast<std::uint32_t>(rd->image_id);
            result.wide_requests |= rd->wide;
            buf.resize(rd->length);
            image.read(rd->offset, buf);
            stream_.send_raw(buf, options_.packet_timeout);
            ++result.requests;
            result.bytes_sent += rd->length;
            auto& stop = ranges[rd->offset];
            stop = std::max(stop, rd->offset + rd->length);
            report(progress, {"upload programmer", "bytes", std::min(result.bytes_sent, image.size),
                              image.size, false});
        } else if (auto* end = std::get_if<EndImageTx>(&p)) {
            if (end->status != kStatusSuccess)
                fail_status(end->status, fmt::format("{} (image {})", image.name, end->image_id));
            result.image_id = end->image_id;
            break;
        } else {
            throw ProtocolError(
                fmt::format("unexpected Sahara {} while uploading {}", packet_name(p), image.name),
                device_state(), "power-cycle the module into EDL and retry");
        }
    }
    result.bytes_unrequested = image.size - covered_bytes(ranges);
    if (result.bytes_unrequested)
        spdlog::debug("{}: the target never asked for {} of its {} bytes", image.name,
                      result.bytes_unrequested, image.size);
    stream_.send(Done{}, options_.packet_timeout);
    phase_ = "was finishing the upload (DONE)";
    Packet p = expect_packet("DONE_RESP");
    auto* done = std::get_if<DoneResp>(&p);
    if (!done)
        throw ProtocolError(fmt::format("expected DONE_RESP, got {}", packet_name(p)),
                            device_state(), "power-cycle the module into EDL and retry");
    // Some targets (MSM8916) say "pending" after their only image: that is done too.
    result.done_pending = done->image_tx_status == 0;
    phase_ = "handed over to the uploaded programmer";
    report(progress, {"upload programmer", "bytes", image.size, image.size, true});
    return result;
}

void Client::enter_command_mode() {
    if (!hello_) wait_hello();
    answer_hello(Mode::command);
    phase_ = "was entering command mode";
    Packet p = expect_packet("CMD_READY");
    if (auto* end = std::get_if<EndImageTx>(&p)) fail_status(end->status, "command mode");
    if (!std::holds_alternative<CmdReady>(p))
        throw ProtocolError(fmt::format("expected CMD_READY, got {}", packet_name(p)),
                            device_state(), "power-cycle the module into EDL and retry");
    phase_ = "is in command mode";
}

std::optional<Bytes> Client::execute(Exec command) {
    auto code = static_cast<std::uint32_t>(command);
    last_refusal_.clear();
    stream_.send(Execute{code}, options_.packet_timeout);
    Packet p = expect_packet("EXECUTE_RESP");
    if (auto* end = std::get_if<EndImageTx>(&p)) {
        last_refusal_ = status_text(end->status);
        return std::nullopt;
    }
    auto* resp = std::get_if<ExecuteResp>(&p);
    if (!resp || resp->client_cmd != code)
        throw ProtocolError(fmt::format("expected EXECUTE_RESP {:#x}, got {}", code, describe(p)),
                            device_state(), "power-cycle the module into EDL and retry");
    if (resp->data_len == 0) {
        last_refusal_ = "no data";
        return std::nullopt;
    }
    if (resp->data_len > kMaxExecData)
        throw DecodeError(fmt::format("EXECUTE_RESP {:#x} announces {} bytes (at most {} expected)",
                                      code, resp->data_len, kMaxExecData),
                          device_state(), "power-cycle the module into EDL and retry");
    stream_.send(ExecuteData{code}, options_.packet_timeout);
    Bytes data(resp->data_len);
    stream_.read_raw(data, options_.packet_timeout, fmt::format("EXECUTE_DATA {:#x}", code));
    return data;
}

ChipIdentity Client::read_identity() {
    if (!hello_) wait_hello();
    if (hello_->mode == Mode::memory_debug)
        throw ProtocolError("the target is in crash-dump (memory debug) mode: no command mode",
                            device_state(), "save the dump with `cellrescue edl ramdump`");
    ChipIdentity id;
    id.hello = *hello_;
    enter_command_mode();
    auto ask = [&](Exec cmd, std::string_view what, auto&& decode) {
        auto data = execute(cmd);
        if (!data) {
            id.refused.push_back(fmt::format("{} ({:#04x}): {}", what,
                                             static_cast<std::uint32_t>(cmd), last_refusal_));
            return;
        }
        try {
            decode(*data);
        } catch (const DecodeError& e) {
            id.refused.push_back(fmt::format("{} ({:#04x}): unreadable reply: {}", what,
                                             static_cast<std::uint32_t>(cmd), e.what()));
        }
    };
    ask(Exec::serial_number, "serial number",
        [&](ByteView d) { id.serial = decode_u32_payload(d, "serial number"); });
    ask(Exec::msm_hw_id, "MSM HW ID", [&](ByteView d) { id.hw_id = decode_msm_hw_id(d); });
    ask(Exec::oem_pk_hash, "OEM PK hash", [&](ByteView d) { id.pk_hash_hex = decode_pk_hash(d); });
    ask(Exec::sbl_version, "SBL version",
        [&](ByteView d) { id.sbl_version = decode_u32_payload(d, "SBL version"); });
    if (id.hello.version >= 3)
        ask(Exec::chip_id_v3, "chip-ID v3",
            [&](ByteView d) { id.chip_id_v3 = decode_chip_id_v3(d); });
    // Leave with SWITCH_MODE 0, not RESET (RESET can leave some targets stuck).
    switch_mode(Mode::image_tx_pending);
    return id;
}

void Client::switch_mode(Mode mode) {
    stream_.send(SwitchMode{mode}, options_.packet_timeout);
    phase_ = fmt::format("was switching to {} mode", mode_name(mode));
    for (;;) {
        Packet p = expect_packet("a fresh HELLO");
        if (auto* h = std::get_if<Hello>(&p)) {
            hello_ = HelloInfo{h->version, h->version_compatible, h->max_cmd_len, h->mode, false};
            phase_ = fmt::format("said HELLO (mode: {})", mode_name(h->mode));
            return;
        }
        if (auto* end = std::get_if<EndImageTx>(&p); end && end->status != kStatusSuccess)
            fail_status(end->status, "the mode switch");
        spdlog::debug("ignoring {} while waiting for HELLO after SWITCH_MODE", packet_name(p));
    }
}

std::vector<MemoryRegion> Client::read_memory_table() {
    if (!hello_) wait_hello();
    if (hello_->mode != Mode::memory_debug)
        throw ProtocolError(
            fmt::format("the target is not in crash-dump mode (its HELLO says {})",
                        mode_name(hello_->mode)),
            device_state(),
            "a RAM dump needs a module that crashed into dump mode (USB 05c6:900e)");
    answer_hello(Mode::memory_debug);
    phase_ = "was offering its memory table";
    Packet p = expect_packet("MEMORY_DEBUG");
    if (auto* end = std::get_if<EndImageTx>(&p)) fail_status(end->status, "memory debug");
    auto* md = std::get_if<MemoryDebug>(&p);
    if (!md)
        throw ProtocolError(fmt::format("expected MEMORY_DEBUG, got {}", packet_name(p)),
                            device_state(), "power-cycle the module and retry");
    memory_wide_ = md->wide;
    std::size_t entry = md->wide ? kRegionEntry64 : kRegionEntry32;
    if (md->table_len == 0 || md->table_len > kMaxMemoryTable || md->table_len % entry != 0)
        throw DecodeError(fmt::format("memory debug table length {:#x} is not a whole number of "
                                      "{}-byte entries (or too large)",
                                      md->table_len, entry),
                          device_state(), "power-cycle the module and retry");
    Bytes table;
    table.reserve(md->table_len);
    read_region(md->table_addr, md->table_len,
                [&](ByteView chunk) { table.insert(table.end(), chunk.begin(), chunk.end()); });
    phase_ = "is serving memory regions";
    return decode_memory_table(table, md->wide);
}

void Client::read_region(std::uint64_t addr, std::uint64_t len,
                         const std::function<void(ByteView)>& sink, const ProgressFn& progress) {
    Bytes chunk;
    for (std::uint64_t done = 0; done < len;) {
        std::uint64_t n = std::min<std::uint64_t>(options_.region_chunk, len - done);
        stream_.send(MemoryRead{addr + done, n, memory_wide_}, options_.packet_timeout);
        chunk.resize(n);
        // A target that cannot read the range answers END_IMAGE_TX instead of data.
        std::size_t head = std::min<std::size_t>(n, 16);
        read_raw_guarded(std::span(chunk).first(head), addr + done);
        if (head == 16 &&
            load_le32(chunk.data()) == static_cast<std::uint32_t>(Command::end_image_tx) &&
            load_le32(chunk.data() + 4) == 0x10 && load_le32(chunk.data() + 12) != 0)
            fail_status(load_le32(chunk.data() + 12),
                        fmt::format("a memory read at {:#x}", addr + done));
        if (n > head) read_raw_guarded(std::span(chunk).subspan(head), addr + done);
        sink(chunk);
        done += n;
        report(progress, {"read memory", "bytes", done, len, done == len});
    }
}

void Client::read_raw_guarded(std::span<std::uint8_t> out, std::uint64_t addr) {
    try {
        stream_.read_raw(out, options_.packet_timeout, fmt::format("memory at {:#x}", addr));
    } catch (const TimeoutError& e) {
        throw TimeoutError(e.what(), device_state(), "power-cycle the module and retry");
    } catch (const DeviceGoneError& e) {
        throw DeviceGoneError(
            fmt::format("the device went away while sending memory ({})", e.what()),
            "the device is gone (unplugged or rebooted)",
            "reconnect it and retry; files already written are complete");
    }
}

void Client::reset() {
    stream_.send(Reset{}, options_.packet_timeout);
    phase_ = "was resetting";
    try {
        Packet p = expect_packet("RESET_RESP");
        if (!std::holds_alternative<ResetResp>(p))
            spdlog::debug("got {} instead of RESET_RESP", packet_name(p));
    } catch (const DeviceGoneError&) {
        // The target reboots right away: a vanished port is the expected end.
    }
    hello_.reset();
}

}  // namespace cr::sahara
