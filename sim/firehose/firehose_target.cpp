#include "sim/firehose/firehose_target.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "protocols/firehose/firehose_reply.hpp"
#include "sim/core/module_settings.hpp"
#include "sim/core/usb_presence.hpp"
#include "sim/core/write_rate.hpp"
#include "sim/firehose/sector_expression.hpp"
#include "sim/firehose/target_storage.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::sim {
namespace {

using firehose::Attributes;
using firehose::Element;

constexpr std::size_t kIoChunk = 1 << 20;
constexpr Millis kPoll{200};
constexpr Millis kSendTimeout{30'000};
constexpr std::uint32_t kNandOfferedPayload = 8192;

// A bad request: NAK with an ERROR log carrying the message (as real programmers do).
struct Refusal {
    explicit Refusal(std::string why) : message(std::move(why)) {}  // clang 14: no paren-init
    std::string message;
};

const char* kFunctions[] = {"configure",
                            "program",
                            "read",
                            "erase",
                            "patch",
                            "getstorageinfo",
                            "getsha256digest",
                            "power",
                            "nop",
                            "setbootablestoragedrive",
                            "peek"};

class Target {
  public:
    Target(VirtualModule& module, Transport& port, std::stop_token stop)
        : module_(module),
          model_(module.model()),
          port_(port),
          stop_(std::move(stop)),
          buffer_(kIoChunk),
          unplug_after_(unplug_after_bytes(module.state())),
          write_rate_(write_rate(module.state())) {}

    void run(bool fresh) {
        if (fresh) banner();
        while (!stop_.stop_requested() && !finished_) {
            std::optional<std::string> text;
            try {
                text = parser_.next_text();
            } catch (const DecodeError& e) {
                nak({}, e.what());
                continue;
            }
            if (!text) {
                receive(kPoll);
                continue;
            }
            spdlog::trace("virtual firehose << {}", *text);
            handle(*text);
        }
    }

  private:
    // ---- output ------------------------------------------------------------------------------
    void send(const std::string& xml) {
        spdlog::trace("virtual firehose >> {}", xml);
        port_.write(as_bytes(xml), kSendTimeout);
    }
    void log(const std::string& line) { send(firehose::build_command("log", {{"value", line}})); }
    void respond(bool ack, Attributes extra = {}, bool rawmode = false) {
        Attributes a{{"value", ack ? "ACK" : "NAK"}, {"rawmode", rawmode ? "true" : "false"}};
        a.insert(a.end(), extra.begin(), extra.end());
        send(firehose::build_command("response", a));
    }
    void nak(Attributes extra, const std::string& why) {
        log("ERROR: " + why);
        respond(false, std::move(extra));
    }

    void banner() {
        log("INFO: Binary build date: Mar 14 2023 @ 10:21:07");
        log(fmt::format("INFO: Binary build date: Mar 14 2023 @ 10:21:07 ({} {})",
                        model_.target_name, model_.programmer_name));
        log(fmt::format("INFO: Chip serial num: {} (0x{:x})", module_.state().serial,
                        module_.state().serial));
        log(fmt::format("INFO: Supported Functions ({}):", std::size(kFunctions)));
        for (const char* f : kFunctions) log(fmt::format("INFO: {}", f));
        log(fmt::format("INFO: End of supported functions {}", std::size(kFunctions)));
    }

    // ---- input -------------------------------------------------------------------------------
    std::size_t receive(Millis timeout, std::size_t max = kIoChunk) {
        std::size_t n =
            port_.read(std::span(buffer_.data(), std::min(max, buffer_.size())), timeout);
        if (n == 0) return 0;
        ByteView got(buffer_.data(), n);
        if (const char* why = not_xml(got, parser_.pending() == 0)) {
            // A real programmer parses each transfer as XML and answers what it cannot parse
            // at once (PROTOCOLS.md §3): hosts that sent a Sahara packet wait for this reply.
            parser_.clear();
            nak({}, fmt::format("XML not formed correctly: {} ({} bytes dropped)", why, n));
            return n;
        }
        parser_.feed(got);
        return n;
    }

    // Why a transfer outside a raw phase cannot be (part of) an XML document, or nullptr.
    static const char* not_xml(ByteView data, bool starts_document) {
        for (std::uint8_t b : data)
            if (b < 0x20 && b != '\t' && b != '\r' && b != '\n' && b != 0)
                return "binary data where XML was expected";
        if (!starts_document) return nullptr;
        for (std::uint8_t b : data) {
            if (b == 0 || b == ' ' || b == '\t' || b == '\r' || b == '\n') continue;  // padding
            return b == '<' ? nullptr : "the data does not start with '<'";
        }
        return nullptr;
    }

    void handle(const std::string& text) {
        firehose::Document doc;
        try {
            doc = firehose::parse_document(text);
        } catch (const DecodeError& e) {
            nak({}, fmt::format("XML parse error: {}", e.what()));
            return;
        }
        if (doc.elements.empty()) {
            nak({}, "XML document without a command");
            return;
        }
        const Element& cmd = doc.elements.front();
        try {
            dispatch(cmd);
        } catch (const Refusal& r) {
            nak({}, r.message);
        } catch (const DecodeError& e) {
            nak({}, e.what());
        }
    }

    void dispatch(const Element& cmd) {
        const std::string& t = cmd.tag;
        if (t == "configure") return configure(cmd);
        if (t == "nop") return respond(true);
        if (t == "power") return power(cmd);
        if (t == "peek") return peek(cmd);
        if (t == "getstorageinfo") return storage_info(cmd);
        if (t == "setbootablestoragedrive") return set_bootable(cmd);
        if (t == "program" || t == "read" || t == "erase" || t == "getsha256digest" ||
            t == "patch") {
            if (!configured_) throw Refusal("storage not initialized: send <configure> first");
            if (t == "program") return program(cmd);
            if (t == "read") return read(cmd);
            if (t == "erase") return erase(cmd);
            if (t == "patch") return patch(cmd);
            return digest(cmd);
        }
        throw Refusal(fmt::format("Unknown command <{}>", t));
    }

    // ---- commands ----------------------------------------------------------------------------
    std::string memory_name() const {
        switch (model_.storage) {
            case StorageKind::nand:
                return "nand";
            case StorageKind::emmc:
                return "emmc";
            case StorageKind::ufs:
                return "ufs";
            case StorageKind::none:
                break;
        }
        return "none";
    }

    void configure(const Element& cmd) {
        std::string memory = cmd.attr("MemoryName");
        std::transform(memory.begin(), memory.end(), memory.begin(), ::tolower);
        if (memory != memory_name())
            throw Refusal(
                fmt::format("Failed to initialize storage: MemoryName='{}' (this "
                            "programmer drives {})",
                            cmd.attr("MemoryName"), memory_name()));
        std::uint64_t requested = number(cmd, "MaxPayloadSizeToTargetInBytes", 0);
        std::uint32_t supported = model_.max_payload_to_target;
        std::uint32_t offered = model_.storage == StorageKind::nand
                                    ? std::min(kNandOfferedPayload, supported)
                                    : supported;
        Attributes a{{"MemoryName", memory_name()},
                     {"MaxPayloadSizeFromTargetInBytes", std::to_string(offered)},
                     {"MaxPayloadSizeToTargetInBytesSupported", std::to_string(supported)},
                     {"MaxXMLSizeInBytes", "4096"},
                     {"Version", "1"},
                     {"MinVersionSupported", "1"},
                     {"TargetName", model_.target_name}};
        if (requested == 0 || requested > supported) {
            a.insert(a.begin(), {"MaxPayloadSizeToTargetInBytes", std::to_string(offered)});
            nak(a, fmt::format("MaxPayloadSizeToTargetInBytes={} is not supported (max {})",
                               requested, supported));
            return;
        }
        a.insert(a.begin(), {"MaxPayloadSizeToTargetInBytes", std::to_string(requested)});
        configured_ = true;
        log(
            fmt::format("INFO: MaxPayloadSizeToTargetInBytes=\"{}\" "
                        "MaxPayloadSizeToTargetInBytesSupported=\"{}\" TargetName=\"{}\"",
                        requested, supported, model_.target_name));
        respond(true, a);
    }

    static std::uint64_t number(const Element& e, const std::string& name,
                                std::optional<std::uint64_t> fallback = std::nullopt) {
        if (!e.has(name)) {
            if (fallback) return *fallback;
            throw Refusal(fmt::format("<{}> lacks the attribute {}", e.tag, name));
        }
        try {
            return firehose::parse_number(e.attr(name), name);
        } catch (const DecodeError&) {
            throw Refusal(fmt::format("<{}> {}='{}' is not a number", e.tag, name, e.attr(name)));
        }
    }

    struct Span {
        std::uint64_t start = 0;
        std::uint64_t count = 0;
    };

    // The LUN a storage command addresses (physical_partition_number, default 0).
    TargetStorage open_storage(const Element& cmd) {
        std::uint64_t lun = number(cmd, "physical_partition_number", 0);
        std::uint32_t luns = lun_count(model_);
        if (lun >= luns)
            throw Refusal(
                fmt::format("physical_partition_number={} out of range (this device "
                            "has {})",
                            lun, luns));
        return TargetStorage(module_, static_cast<std::uint32_t>(lun));
    }

    // Validates the addressing every storage command shares.
    Span address(const Element& cmd, TargetStorage& storage, bool need_count = true) {
        std::uint64_t ss = number(cmd, "SECTOR_SIZE_IN_BYTES");
        if (ss != storage.sector_size())
            throw Refusal(
                fmt::format("SECTOR_SIZE_IN_BYTES={} does not match the {}-byte sectors "
                            "of this {}",
                            ss, storage.sector_size(), memory_name()));
        if (storage.nand() && cmd.has("PAGES_PER_BLOCK") &&
            number(cmd, "PAGES_PER_BLOCK") != storage.pages_per_block())
            throw Refusal(fmt::format("PAGES_PER_BLOCK={} does not match the chip's {}",
                                      cmd.attr("PAGES_PER_BLOCK"), storage.pages_per_block()));
        Span s;
        s.start = evaluate(cmd.attr("start_sector", "0"), storage);
        s.count = need_count ? number(cmd, "num_partition_sectors") : 0;
        if (s.start > storage.total_sectors() || s.count > storage.total_sectors() - s.start)
            throw Refusal(fmt::format("sectors {}+{} out of range (the {} has {} sectors)", s.start,
                                      s.count, memory_name(), storage.total_sectors()));
        return s;
    }

    std::uint64_t evaluate(const std::string& text, TargetStorage& storage) {
        ExpressionContext ctx;
        ctx.num_disk_sectors = storage.total_sectors();
        ctx.crc32 = [&](std::uint64_t sector, std::uint64_t bytes) -> std::uint32_t {
            if (bytes > (64u << 20)) throw Refusal("CRC32 over more than 64 MiB refused");
            Bytes data(bytes);
            storage.read(sector, data);
            return static_cast<std::uint32_t>(
                ::crc32(::crc32(0L, Z_NULL, 0), data.data(), static_cast<uInt>(data.size())));
        };
        try {
            return evaluate_expression(text, ctx);
        } catch (const DecodeError& e) {
            throw Refusal(e.what());
        }
    }

    void program(const Element& cmd) {
        TargetStorage storage = open_storage(cmd);
        Span s = address(cmd, storage);
        const std::uint32_t ss = storage.sector_size();
        respond(true, {}, true);
        std::uint64_t total = s.count * ss, got = 0;
        bool complete = true;
        Bytes stage(kIoChunk);
        // Bytes that came with the command arrived before the rawmode ACK, so they are the tail
        // of the command's own transfer (qdl ends its XML with "\n"), never raw data: a real
        // programmer starts the raw phase with fresh reads and drops them.
        std::string early = parser_.take_rest();
        if (!early.empty())
            spdlog::trace("virtual firehose: {} bytes after <program> dropped", early.size());
        std::size_t have = 0;
        WritePacer pace(write_rate_);  // the flash's own program rate, when the state sets one
        while (got < total) {
            std::size_t goal =
                static_cast<std::size_t>(std::min<std::uint64_t>(kIoChunk, total - got));
            while (have < goal) {
                std::size_t n = port_.read(std::span(stage.data() + have, goal - have), kPoll);
                if (n == 0 && stop_.stop_requested()) return;
                have += n;
            }
            complete &= storage.write(s.start + got / ss, ByteView(stage.data(), goal));
            pace.wrote(goal);
            got += goal;
            have = 0;
            drop_off_the_bus_if_armed(goal, storage);
        }
        storage.sync();
        note_flash_write(module_, lun_of(cmd), s.start,
                         s.count);  // a firmware write resets the settings
        if (!complete) {
            nak({}, fmt::format("Write failed: {} runs past the good blocks of its partition",
                                cmd.attr("label", "the data")));
            return;
        }
        log(fmt::format("INFO: Wrote {} sectors at {}", s.count, s.start));
        respond(true);
    }

    void read(const Element& cmd) {
        TargetStorage storage = open_storage(cmd);
        Span s = address(cmd, storage);
        const std::uint32_t ss = storage.sector_size();
        respond(true, {}, true);
        std::uint64_t total = s.count * ss, sent = 0;
        Bytes block(kIoChunk);
        while (sent < total) {
            std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(kIoChunk, total - sent));
            storage.read(s.start + sent / ss, std::span(block.data(), n));
            port_.write(ByteView(block.data(), n), kSendTimeout);
            sent += n;
        }
        respond(true);
    }

    void erase(const Element& cmd) {
        TargetStorage storage = open_storage(cmd);
        Span s = address(cmd, storage);
        if (storage.nand() &&
            (s.start % storage.pages_per_block() || s.count % storage.pages_per_block()))
            throw Refusal(fmt::format("erase of sectors {}+{} is not whole {}-page blocks", s.start,
                                      s.count, storage.pages_per_block()));
        storage.erase(s.start, s.count);
        storage.sync();
        note_flash_write(module_, lun_of(cmd), s.start, s.count);
        respond(true);
    }

    void patch(const Element& cmd) {
        if (cmd.attr("filename") != "DISK")
            throw Refusal(fmt::format("patch of '{}': only DISK patches apply on the target",
                                      cmd.attr("filename")));
        TargetStorage storage = open_storage(cmd);
        Span s = address(cmd, storage, false);
        std::uint64_t offset = evaluate(cmd.attr("byte_offset", "0"), storage);
        std::uint64_t size = number(cmd, "size_in_bytes");
        if (size == 0 || size > 8)
            throw Refusal(fmt::format("patch size_in_bytes={} (1..8)", size));
        std::uint64_t value = evaluate(cmd.attr("value"), storage);
        std::uint64_t byte = s.start * storage.sector_size() + offset;
        std::uint64_t sector = byte / storage.sector_size();
        if (sector >= storage.total_sectors() ||
            (byte + size - 1) / storage.sector_size() != sector)
            throw Refusal(fmt::format("patch at byte {} is out of range", byte));
        Bytes data(storage.sector_size());
        storage.read(sector, data);
        for (std::uint64_t i = 0; i < size; ++i)
            data[byte % storage.sector_size() + i] = static_cast<std::uint8_t>(value >> (8 * i));
        storage.write(sector, data);
        storage.sync();
        respond(true);
    }

    void digest(const Element& cmd) {
        TargetStorage storage = open_storage(cmd);
        Span s = address(cmd, storage);
        Digest d(Digest::Algorithm::sha256);
        Bytes block(kIoChunk);
        std::uint64_t total = s.count * storage.sector_size(), done = 0;
        while (done < total) {
            std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(kIoChunk, total - done));
            storage.read(s.start + done / storage.sector_size(), std::span(block.data(), n));
            d.update(ByteView(block.data(), n));
            done += n;
        }
        std::string hex = d.finish_hex();
        std::transform(hex.begin(), hex.end(), hex.begin(), ::toupper);
        log(fmt::format("INFO: Digest {}", hex));
        respond(true);
    }

    static std::uint32_t lun_of(const Element& cmd) {
        return static_cast<std::uint32_t>(number(cmd, "physical_partition_number", 0));
    }

    // One LUN's geometry, and how many LUNs there are (PROTOCOLS.md §3).
    void storage_info(const Element& cmd) {
        TargetStorage storage = open_storage(cmd);
        const std::uint32_t luns = lun_count(model_);
        nlohmann::json info;
        if (storage.nand()) {
            info = {{"total_blocks", storage.total_sectors() / storage.pages_per_block()},
                    {"block_size", storage.pages_per_block() * storage.sector_size()},
                    {"page_size", storage.sector_size()},
                    {"num_physical", luns},
                    {"mem_type", "NAND"},
                    {"prod_name", "MT29F4G08ABBFA"}};
        } else {
            bool ufs = model_.storage == StorageKind::ufs;
            info = {{"total_blocks", storage.total_sectors()},
                    {"block_size", storage.sector_size()},
                    {"page_size", storage.sector_size()},
                    {"num_physical", luns},
                    {"mem_type", ufs ? "UFS" : "eMMC"},
                    {"prod_name", ufs ? "KLUDG4UHDC-B0E1" : "KLM4G1FETE-B041"}};
        }
        log("INFO: " + nlohmann::json{{"storage_info", info}}.dump());
        respond(true);
    }

    void set_bootable(const Element& cmd) {
        if (model_.storage == StorageKind::nand)
            throw Refusal("setbootablestoragedrive is not supported on NAND");
        std::uint64_t drive = number(cmd, "value");
        if (drive > 7) throw Refusal(fmt::format("bootable drive {} out of range", drive));
        module_.update([&](ModuleState& st) { st.extra["firehose"]["bootable_drive"] = drive; });
        respond(true);
    }

    void peek(const Element& cmd) {
        std::uint64_t address = number(cmd, "address64");
        std::uint64_t size = number(cmd, "SizeInBytes");
        if (size == 0 || size > 4096)
            throw Refusal(fmt::format("peek SizeInBytes={} (1..4096)", size));
        // No real memory behind the virtual chip: a deterministic pattern per address.
        for (std::uint64_t off = 0; off < size; off += 16) {
            Bytes row;
            for (std::uint64_t i = off; i < std::min(size, off + 16); ++i)
                row.push_back(static_cast<std::uint8_t>((address + i) * 0x9D ^ 0x5A));
            log(fmt::format("0x{:08x}: {}", address + off, to_hex(row, " ")));
        }
        respond(true);
    }

    void power(const Element& cmd) {
        std::string value = cmd.attr("value", "reset");
        if (value != "reset" && value != "off" && value != "edl")
            throw Refusal(fmt::format("power value='{}' (reset, off or edl)", value));
        respond(true);
        module_.update([&](ModuleState& st) {
            // off: the module stays off until power returns; the virtual one comes back normal.
            st.mode = value == "edl" ? Mode::edl : Mode::normal;
            st.firehose_running = false;
        });
        finished_ = true;  // the programmer is gone: the port closes like a USB disconnect
    }

    // The armed hub fault (sim/core/usb_presence): what was written stays, the port goes dead.
    void drop_off_the_bus_if_armed(std::size_t written, TargetStorage& storage) {
        programmed_ += written;
        if (!unplug_after_ || programmed_ < *unplug_after_) return;
        storage.sync();
        unplug(module_);
        throw DeviceGoneError(fmt::format("virtual {} dropped off the bus after {} bytes",
                                          module_.id(), programmed_));
    }

    VirtualModule& module_;
    const ModelSpec& model_;
    Transport& port_;
    std::stop_token stop_;
    firehose::ReplyParser parser_;
    Bytes buffer_;
    bool configured_ = false;
    bool finished_ = false;
    std::optional<std::uint64_t> unplug_after_;
    std::optional<std::uint64_t> write_rate_;  // bytes/s the storage takes program data at
    std::uint64_t programmed_ = 0;
};

}  // namespace

void serve_firehose(VirtualModule& module, Transport& port, std::stop_token stop) {
    if (module.model().storage == StorageKind::none)
        throw ProtocolError(fmt::format("the {} has no Firehose storage", module.model().product));
    // A programmer boots once per accepted upload (the Sahara target counts them); a host that
    // reopens the port of a running programmer gets no second banner.
    bool fresh = false;
    module.update([&](ModuleState& s) {
        int uploads = 0;
        if (auto it = s.extra.find("sahara"); it != s.extra.end() && it->is_object())
            uploads = it->value("uploads", 0);
        auto& mine = s.extra["firehose"];
        if (!mine.is_object()) mine = nlohmann::json::object();
        fresh = !s.firehose_running || mine.value("booted_at_upload", -1) != uploads;
        mine["booted_at_upload"] = uploads;
        s.firehose_running = true;
    });
    Target(module, port, std::move(stop)).run(fresh);
}

}  // namespace cr::sim
