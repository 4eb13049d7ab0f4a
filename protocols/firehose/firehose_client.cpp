#include "protocols/firehose/firehose_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::firehose {
namespace {

constexpr std::size_t kLogRing = 16;
constexpr std::size_t kReadBuffer = 1 << 20;
// How often a long program phase looks for a NAK the programmer sent mid-transfer.
constexpr std::uint64_t kNakCheckBytes = 8 << 20;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

// "INFO: program" -> "program"
std::string strip_level(std::string_view line) {
    for (std::string_view level : {"INFO:", "ERROR:", "WARN:", "DEBUG:"})
        if (line.substr(0, level.size()) == level) return trim(line.substr(level.size()));
    return trim(line);
}

std::string join_logs(const std::vector<std::string>& logs, std::size_t last) {
    std::string out;
    std::size_t from = logs.size() > last ? logs.size() - last : 0;
    for (std::size_t i = from; i < logs.size(); ++i)
        out += (out.empty() ? "'" : ", '") + logs[i] + "'";
    return out;
}

std::vector<std::string> parse_supported(const std::vector<std::string>& banner) {
    std::vector<std::string> out;
    bool in_list = false;
    for (const auto& raw : banner) {
        std::string line = strip_level(raw);
        std::string l = lower(line);
        if (l.find("supported functions") != std::string::npos &&
            l.find("end of") == std::string::npos) {
            in_list = true;
            continue;
        }
        if (!in_list) continue;
        if (l.rfind("end of supported functions", 0) == 0) break;
        if (!line.empty() && line.find(' ') == std::string::npos) out.push_back(l);
    }
    return out;
}

std::uint64_t number_attr(const Response& r, const std::string& name, std::uint64_t fallback) {
    std::string v = r.attr(name);
    if (v.empty()) return fallback;
    return parse_number(v, name);
}

}  // namespace

std::string_view to_string(MemoryType memory) {
    switch (memory) {
        case MemoryType::nand:
            return "nand";
        case MemoryType::emmc:
            return "emmc";
        case MemoryType::ufs:
            return "ufs";
    }
    return "?";
}

MemoryType parse_memory_type(std::string_view text) {
    std::string t = lower(text);
    if (t == "nand") return MemoryType::nand;
    if (t == "emmc") return MemoryType::emmc;
    if (t == "ufs") return MemoryType::ufs;
    throw UsageError(fmt::format("unknown storage type '{}'", text), {}, "use nand, emmc or ufs");
}

std::uint32_t default_sector_size(MemoryType memory) {
    return memory == MemoryType::emmc ? 512 : 4096;
}

std::string_view to_string(PowerAction action) {
    switch (action) {
        case PowerAction::reset:
            return "reset";
        case PowerAction::off:
            return "off";
        case PowerAction::edl:
            return "edl";
    }
    return "?";
}

Region Region::sectors(std::uint32_t sector_size, std::uint32_t lun, std::uint64_t start,
                       std::uint64_t count, std::string label) {
    Region r;
    r.sector_size = sector_size;
    r.physical_partition = lun;
    r.start_sector = std::to_string(start);
    r.num_sectors = count;
    r.label = std::move(label);
    return r;
}

FirehoseClient::FirehoseClient(Transport& transport, ClientOptions options)
    : transport_(transport), options_(options), buffer_(kReadBuffer) {}

void FirehoseClient::prime(ByteView early_bytes) {
    parser_.feed(early_bytes);
}

std::vector<std::string> FirehoseClient::recent_logs() const {
    return logs_;
}

void FirehoseClient::note_log(const std::string& line) {
    spdlog::debug("firehose log: {}", line);
    logs_.push_back(line);
    if (!configured_ && config_.banner.size() < 256) config_.banner.push_back(line);
    if (logs_.size() > kLogRing) logs_.erase(logs_.begin());
}

void FirehoseClient::send_xml(std::string_view xml, std::string_view what) {
    spdlog::trace("firehose >> {}", xml);
    try {
        transport_.write(as_bytes(xml), options_.command_timeout);
    } catch (const TimeoutError&) {
        throw TimeoutError(fmt::format("the programmer did not take the {} command", what),
                           "in EDL, Firehose programmer not reading",
                           "power-cycle the module into EDL and retry");
    }
}

// Takes the next response out of already-buffered documents; logs are recorded on the way.
std::optional<Response> FirehoseClient::next_document_response() {
    while (auto text = parser_.next_text()) {
        spdlog::trace("firehose << {}", *text);
        Document doc = parse_document(*text);
        std::optional<Response> response;
        for (auto& e : doc.elements) {
            if (e.tag == "log") {
                note_log(e.attr("value"));
                pending_logs_.push_back(e.attr("value"));
            } else if (e.tag == "response" && !response) {
                Response r;
                r.ack = e.attr("value") == "ACK";
                r.rawmode = e.attr("rawmode") == "true";
                r.attrs = std::move(e.attrs);
                response = std::move(r);
            }
        }
        if (response) {
            response->logs = std::move(pending_logs_);
            pending_logs_.clear();
            return response;
        }
    }
    return std::nullopt;
}

std::size_t FirehoseClient::fill_parser(Millis timeout) {
    std::size_t n = transport_.read(buffer_, timeout);
    if (n > 0) parser_.feed(ByteView(buffer_.data(), n));
    return n;
}

Response FirehoseClient::wait_response(std::string_view what, Millis timeout) {
    Deadline deadline(timeout);
    for (;;) {
        if (auto r = next_document_response()) return *r;
        if (deadline.expired()) {
            output_may_follow_ = true;  // its answer may still come: let the next command wait
            throw TimeoutError(
                fmt::format("no Firehose response to {} within {} ms{}", what, timeout.count(),
                            logs_.empty() ? "" : " (programmer said: " + join_logs(logs_, 3) + ")"),
                "in EDL, Firehose programmer silent",
                "power-cycle the module into EDL and start again");
        }
        fill_parser(std::max(Millis(1), deadline.remaining()));
    }
}

void FirehoseClient::drain(Millis quiet) {
    Deadline bound(options_.banner_budget);
    for (;;) {
        while (auto r = next_document_response())
            spdlog::debug("firehose: stray response {} dropped", r->ack ? "ACK" : "NAK");
        if (bound.expired() || fill_parser(quiet) == 0) return;
    }
}

Response FirehoseClient::command(std::string_view xml, std::string_view what, Millis timeout) {
    // Wait for a quiet line only when more may still come: the banner of a programmer that
    // just started, or a late answer to a command that timed out. After an answer, what trails
    // it is already on the way: take what has arrived, without a fixed wait.
    drain(output_may_follow_ ? options_.quiet_period : Millis(1));
    output_may_follow_ = false;
    pending_logs_.clear();
    send_xml(xml, what);
    return wait_response(what, timeout);
}

[[noreturn]] void FirehoseClient::fail_nak(std::string_view what, const Response& r) {
    std::vector<std::string> logs = r.logs.empty() ? logs_ : r.logs;
    throw ProtocolError(
        fmt::format("{}: the programmer answered NAK{}", what,
                    logs.empty() ? "" : " (programmer said: " + join_logs(logs, 3) + ")"),
        "in EDL, Firehose programmer running (the command had no effect or stopped part-way)",
        "check the partition and file, then retry; `cellrescue edl storage` shows the storage");
}

std::size_t FirehoseClient::configure_once(MemoryType memory, std::size_t payload, Response& out) {
    std::string xml =
        build_command("configure", {{"MemoryName", std::string(to_string(memory))},
                                    {"MaxPayloadSizeToTargetInBytes", std::to_string(payload)},
                                    {"Verbose", "0"},
                                    {"ZlpAwareHost", options_.zlp_aware_host ? "1" : "0"},
                                    {"SkipStorageInit", options_.skip_storage_init ? "1" : "0"},
                                    {"AlwaysValidate", "0"},
                                    {"MaxDigestTableSizeInBytes", "8192"},
                                    {"SkipWrite", "0"}});
    // The programmer may still be printing its banner and miss or delay the answer: resend
    // with short waits until the budget is spent.
    Deadline budget(options_.banner_budget);
    for (;;) {
        bool last = budget.remaining() < Millis(1000);
        Millis wait = last ? options_.command_timeout : Millis(1000);
        try {
            out = command(xml, "configure", wait);
            return number_attr(out, "MaxPayloadSizeToTargetInBytes", 0);
        } catch (const TimeoutError&) {
            if (last) throw;
            spdlog::debug("firehose: no answer to configure yet, retrying");
        }
    }
}

const Configuration& FirehoseClient::configure(MemoryType memory) {
    // No fixed wait for the banner: a programmer answers commands in order, so every banner
    // line it printed comes before the answer to configure (command() first drains what is
    // already arriving, until a short quiet period). The banner ends with that answer.
    Response r;
    std::size_t requested = options_.requested_payload;
    std::size_t offered = configure_once(memory, requested, r);
    if (!r.ack) {
        if (offered == 0 || offered == requested)
            fail_nak(fmt::format("configure {}", to_string(memory)), r);
        spdlog::debug("firehose: programmer offers {} bytes payload instead of {}", offered,
                      requested);
        configure_once(memory, offered, r);
        if (!r.ack)
            fail_nak(fmt::format("configure {} with {} bytes payload", to_string(memory), offered),
                     r);
    }
    std::uint64_t supported = number_attr(r, "MaxPayloadSizeToTargetInBytesSupported", 0);
    std::uint64_t current = number_attr(r, "MaxPayloadSizeToTargetInBytes", offered);
    config_.supported_functions = parse_supported(config_.banner);
    config_.memory = memory;
    config_.max_payload_to_target = supported ? supported : (current ? current : requested);
    config_.max_payload_from_target = number_attr(r, "MaxPayloadSizeFromTargetInBytes", 0);
    config_.max_xml_size = number_attr(r, "MaxXMLSizeInBytes", 4096);
    config_.target_name = r.attr("TargetName");
    config_.version = r.attr("Version");
    configured_ = true;
    return config_;
}

std::size_t FirehoseClient::chunk_size(std::uint32_t sector_size) const {
    std::size_t limit = std::min(
        config_.max_payload_to_target ? config_.max_payload_to_target : std::size_t(1 << 20),
        transport_.max_transfer_size());
    std::size_t chunk = limit / sector_size * sector_size;
    return std::max<std::size_t>(chunk, sector_size);
}

Attributes FirehoseClient::address(const Region& region) const {
    Attributes a{{"SECTOR_SIZE_IN_BYTES", std::to_string(region.sector_size)},
                 {"num_partition_sectors", std::to_string(region.num_sectors)},
                 {"physical_partition_number", std::to_string(region.physical_partition)},
                 {"start_sector", region.start_sector}};
    if (!region.label.empty()) a.emplace_back("label", region.label);
    if (!region.filename.empty()) a.emplace_back("filename", region.filename);
    if (region.pages_per_block)
        a.emplace_back("PAGES_PER_BLOCK", std::to_string(region.pages_per_block));
    if (region.last_sector) a.emplace_back("last_sector", std::to_string(*region.last_sector));
    return a;
}

std::string FirehoseClient::describe(std::string_view verb, const Region& region) const {
    return fmt::format("{} {}", verb,
                       region.label.empty()
                           ? fmt::format("LUN {} sectors {}+{}", region.physical_partition,
                                         region.start_sector, region.num_sectors)
                           : region.label);
}

void FirehoseClient::program(const Region& region, std::uint64_t data_bytes, const SourceFn& source,
                             const ProgressFn& progress) {
    std::string what = describe("program", region);
    const std::uint64_t total = region.bytes();
    if (region.num_sectors == 0 || region.sector_size == 0)
        throw UsageError(what + ": nothing to write (0 sectors)");
    if (data_bytes > total || data_bytes + region.sector_size <= total)
        throw UsageError(fmt::format("{}: {} bytes of data do not fill {} sectors of {} bytes",
                                     what, data_bytes, region.num_sectors, region.sector_size));
    Response r = command(build_command("program", address(region)), what, options_.command_timeout);
    if (!r.ack) fail_nak(what, r);
    if (!r.rawmode) throw ProtocolError(what + ": the programmer ACKed without entering raw mode");

    const std::size_t chunk = chunk_size(region.sector_size);
    Bytes block(chunk);
    std::uint64_t sent = 0, data_left = data_bytes, next_check = kNakCheckBytes;
    while (sent < total) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, total - sent));
        std::size_t filled = 0;
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, data_left));
        while (filled < want) {
            std::size_t got = source(std::span(block.data() + filled, want - filled));
            if (got == 0)
                throw IoError(fmt::format("{}: the image ended after {} of {} bytes", what,
                                          data_bytes - data_left + filled, data_bytes),
                              "in EDL, Firehose waiting for the rest of the raw data (the "
                              "partition is partly written)",
                              "check the image file and write the partition again");
            filled += got;
        }
        data_left -= filled;
        if (filled < n) std::memset(block.data() + filled, 0, n - filled);  // last sector pad
        write_raw(ByteView(block.data(), n), what, sent, total);
        sent += n;
        report(progress, {what, "bytes", sent, total, false});
        if (sent >= next_check && sent < total) {
            next_check += kNakCheckBytes;
            check_for_nak(what);
        }
    }
    r = wait_response(what + " (after data)", options_.raw_timeout);
    if (!r.ack) fail_nak(what, r);
    report(progress, {what, "bytes", total, total, true});
}

void FirehoseClient::write_raw(ByteView data, const std::string& what, std::uint64_t sent,
                               std::uint64_t total) {
    try {
        transport_.write(data, options_.raw_timeout);
    } catch (const TimeoutError&) {
        check_for_nak(what);  // a NAK explains the stall better than the timeout
        throw TimeoutError(
            fmt::format("{}: the programmer stopped taking data after {} of {} bytes", what, sent,
                        total),
            "in EDL, Firehose stuck in a raw data phase (partition partly written)",
            "power-cycle the module into EDL and write the partition again");
    } catch (const DeviceGoneError&) {
        throw DeviceGoneError(
            fmt::format("{}: the device vanished after {} of {} bytes", what, sent, total),
            "gone from USB mid-write: this partition is incomplete",
            "reconnect, enter EDL again and rewrite this partition");
    }
}

void FirehoseClient::check_for_nak(const std::string& what) {
    fill_parser(Millis(1));
    if (auto r = next_document_response(); r && !r->ack) fail_nak(what + " (mid-transfer)", *r);
}

void FirehoseClient::read(const Region& region, const SinkFn& sink, const ProgressFn& progress) {
    std::string what = describe("read", region);
    const std::uint64_t total = region.bytes();
    if (region.num_sectors == 0) throw UsageError(what + ": nothing to read (0 sectors)");
    Response r = command(build_command("read", address(region)), what, options_.command_timeout);
    if (!r.ack) fail_nak(what, r);
    if (!r.rawmode) throw ProtocolError(what + ": the programmer ACKed without entering raw mode");
    std::uint64_t got = 0;
    std::string early = parser_.take_rest();  // data that came with the ACK
    if (!early.empty()) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(early.size(), total));
        sink(as_bytes(std::string_view(early).substr(0, n)));
        got = n;
        if (n < early.size()) parser_.feed(as_bytes(std::string_view(early).substr(n)));
    }
    while (got < total) {
        std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), total - got));
        std::size_t n = 0;
        try {
            n = transport_.read(std::span(buffer_.data(), want), options_.raw_timeout);
        } catch (const DeviceGoneError&) {
            throw DeviceGoneError(
                fmt::format("{}: the device vanished after {} of {} bytes", what, got, total),
                "gone from USB mid-read", "reconnect, enter EDL and read again");
        }
        if (n == 0)
            throw TimeoutError(fmt::format("{}: no data for {} ms after {} of {} bytes", what,
                                           options_.raw_timeout.count(), got, total),
                               "in EDL, Firehose stuck in a raw read",
                               "power-cycle the module into EDL and retry");
        sink(ByteView(buffer_.data(), n));
        got += n;
        report(progress, {what, "bytes", got, total, false});
    }
    r = wait_response(what + " (after data)", options_.raw_timeout);
    if (!r.ack) fail_nak(what, r);
    report(progress, {what, "bytes", total, total, true});
}

void FirehoseClient::erase(const Region& region) {
    std::string what = describe("erase", region);
    Response r = command(build_command("erase", address(region)), what, options_.raw_timeout);
    if (!r.ack) fail_nak(what, r);
}

void FirehoseClient::patch(const Patch& p) {
    std::string what = "patch " + (p.what.empty() ? p.start_sector + "/" + p.byte_offset : p.what);
    Attributes a{{"SECTOR_SIZE_IN_BYTES", std::to_string(p.sector_size)},
                 {"byte_offset", p.byte_offset},
                 {"filename", "DISK"},
                 {"physical_partition_number", std::to_string(p.physical_partition)},
                 {"size_in_bytes", std::to_string(p.size_in_bytes)},
                 {"start_sector", p.start_sector},
                 {"value", p.value}};
    if (!p.what.empty()) a.emplace_back("what", p.what);
    Response r = command(build_command("patch", a), what, options_.command_timeout);
    if (!r.ack) fail_nak(what, r);
}

StorageInfo FirehoseClient::storage_info(std::uint32_t physical_partition) {
    std::string what = fmt::format("getstorageinfo LUN {}", physical_partition);
    Response r =
        command(build_command("getstorageinfo",
                              {{"physical_partition_number", std::to_string(physical_partition)}}),
                what, options_.command_timeout);
    if (!r.ack) fail_nak(what, r);
    for (const auto& line : r.logs) {
        auto open = line.find('{');
        auto close = line.rfind('}');
        if (open == std::string::npos || close == std::string::npos || close < open) continue;
        auto j = nlohmann::json::parse(line.substr(open, close - open + 1), nullptr, false);
        if (j.is_discarded() || !j.contains("storage_info") || !j["storage_info"].is_object())
            continue;
        const auto& s = j["storage_info"];
        StorageInfo info;
        info.total_blocks = s.value("total_blocks", std::uint64_t{0});
        info.block_size = s.value("block_size", 0u);
        info.page_size = s.value("page_size", 0u);
        info.num_physical = s.value("num_physical", 0u);
        info.mem_type = s.value("mem_type", std::string{});
        info.prod_name = s.value("prod_name", std::string{});
        info.json = j.dump();
        return info;
    }
    throw ProtocolError(what + ": the programmer ACKed but printed no storage_info JSON",
                        "in EDL, Firehose programmer running", "use `-vv` to see its logs");
}

std::string FirehoseClient::sha256(const Region& region) {
    std::string what = describe("getsha256digest", region);
    Response r =
        command(build_command("getsha256digest", address(region)), what, options_.raw_timeout);
    if (!r.ack) fail_nak(what, r);
    for (const auto& line : r.logs) {
        std::size_t run = 0;
        for (std::size_t i = 0; i <= line.size(); ++i) {
            bool hex = i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i]));
            if (hex) {
                ++run;
                continue;
            }
            if (run == 64) return lower(line.substr(i - 64, 64));
            run = 0;
        }
    }
    throw ProtocolError(what + ": the programmer ACKed but printed no 64-digit digest",
                        "in EDL, Firehose programmer running", "verify by read-back instead");
}

bool FirehoseClient::supports(std::string_view function) const {
    if (config_.supported_functions.empty()) return true;
    std::string f = lower(function);
    return std::find(config_.supported_functions.begin(), config_.supported_functions.end(), f) !=
           config_.supported_functions.end();
}

void FirehoseClient::power(PowerAction action, unsigned delay_seconds) {
    std::string what = fmt::format("power {}", to_string(action));
    Response r =
        command(build_command("power", {{"value", std::string(to_string(action))},
                                        {"DelayInSeconds", std::to_string(delay_seconds)}}),
                what, options_.command_timeout);
    if (!r.ack) fail_nak(what, r);
}

bool FirehoseClient::nop(Millis timeout) {
    pending_logs_.clear();
    send_xml(build_command("nop", {}), "nop");
    try {
        (void)wait_response("nop", timeout);
        return true;  // NAK also proves a programmer is there
    } catch (const TimeoutError&) {
        return false;
    }
}

void FirehoseClient::set_bootable_storage_drive(std::uint32_t drive) {
    std::string what = fmt::format("setbootablestoragedrive {}", drive);
    Response r =
        command(build_command("setbootablestoragedrive", {{"value", std::to_string(drive)}}), what,
                options_.command_timeout);
    if (!r.ack) fail_nak(what, r);
}

Bytes FirehoseClient::peek(std::uint64_t address, std::uint32_t size) {
    std::string what = fmt::format("peek 0x{:x}+{}", address, size);
    Response r = command(build_command("peek", {{"address64", fmt::format("0x{:x}", address)},
                                                {"SizeInBytes", std::to_string(size)}}),
                         what, options_.command_timeout);
    if (!r.ack) fail_nak(what, r);
    // Logs carry "0x<address>: 12 34 ..." lines.
    Bytes out;
    for (const auto& line : r.logs) {
        auto colon = line.find(": ");
        if (line.rfind("0x", 0) != 0 || colon == std::string::npos) continue;
        Bytes part = from_hex(line.substr(colon + 2));
        out.insert(out.end(), part.begin(), part.end());
    }
    if (out.size() < size)
        throw ProtocolError(
            fmt::format("{}: the programmer returned {} of {} bytes", what, out.size(), size));
    out.resize(size);
    return out;
}

}  // namespace cr::firehose
