#include "src/workflows/session/edl_session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "protocols/mhi/bhi_client.hpp"
#include "protocols/partition/gpt.hpp"
#include "protocols/partition/nand_table.hpp"
#include "protocols/sahara/sahara_client.hpp"
#include "src/package/programmer_store.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"

namespace cr {
namespace {

constexpr Millis kHelloWait{1000};
constexpr Millis kNopWait{1500};
constexpr Millis kEdlNodeWait{10000};  // PROTOCOLS.md §3a: about a second after WRITEIMAGE

// Replays bytes already read while probing, then reads the real port: lets the Sahara client
// see the HELLO we peeked at.
class PrefixTransport : public Transport {
  public:
    explicit PrefixTransport(std::unique_ptr<Transport> inner) : inner_(std::move(inner)) {}
    void push(ByteView bytes) { prefix_.insert(prefix_.end(), bytes.begin(), bytes.end()); }
    void write(ByteView data, Millis timeout) override { inner_->write(data, timeout); }
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        if (prefix_.empty()) return inner_->read(buf, timeout);
        std::size_t n = std::min(buf.size(), prefix_.size());
        std::memcpy(buf.data(), prefix_.data(), n);
        prefix_.erase(prefix_.begin(), prefix_.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
    }
    std::size_t max_transfer_size() const override { return inner_->max_transfer_size(); }
    void close() override { inner_->close(); }
    std::string description() const override { return inner_->description(); }

  private:
    std::unique_ptr<Transport> inner_;
    Bytes prefix_;
};

bool looks_like_xml(ByteView bytes) {
    std::string_view s = as_chars(bytes);
    return s.find("<?xml") != std::string_view::npos || s.find("<data") != std::string_view::npos;
}

std::string hex_id(std::uint32_t id) {
    return fmt::format("0x{:08x}", id);
}

}  // namespace

std::optional<firehose::MemoryType> known_memory_for(std::uint32_t msm_hw_id) {
    switch (msm_hw_id) {
        case 0x000480e1:
            return firehose::MemoryType::nand;  // MDM9207 (EC25/EG25)
        case 0x000c30e1:
            return firehose::MemoryType::nand;  // SDX55 (RM500Q)
        case 0x001990e1:
            return firehose::MemoryType::nand;  // SDX62 (RM520N): NAND, like every RM5xx
        case 0x007050e1:
            return firehose::MemoryType::emmc;  // MSM8916
        default:
            return std::nullopt;
    }
}

// The steps of EdlSession::open, kept apart so each fits on a screen.
class EdlSessionOpener {
  public:
    EdlSessionOpener(Device& device, const EdlOptions& options)
        : device_(device), options_(options), store_(options.programmer_dir) {}

    std::unique_ptr<EdlSession> open() {
        auto bhi = device_.open_bhi();
        ChipIdentity chip;
        std::string how;
        auto edl =
            bhi ? open_over_bhi(*bhi, chip, how) : device_.open_edl(EdlPortOptions{options_.zlp});
        auto prefix = std::make_unique<PrefixTransport>(std::move(edl));
        PrefixTransport& port = *prefix;
        auto session = std::make_unique<EdlSession>(device_, std::move(prefix));
        session->chip_ = chip;
        firehose::ClientOptions fo;
        fo.zlp_aware_host = options_.zlp;
        fo.requested_payload = options_.requested_payload;
        session->client_ = std::make_unique<firehose::FirehoseClient>(port, fo);

        Bytes first(4096);
        std::size_t n = port.read(first, kHelloWait);
        first.resize(n);
        if (n > 0 && looks_like_xml(first)) {
            session->client_->prime(first);  // a programmer just started: its banner
            session->how_opened_ = "found a running Firehose programmer";
        } else if (n == 0 && session->client_->nop(kNopWait)) {
            session->how_opened_ = "reused a running Firehose programmer";
        } else if (bhi) {
            throw ProtocolError(fmt::format("{} does not answer Firehose", port.description()),
                                "in EDL; the programmer was loaded over BHI but its port is silent",
                                "power-cycle the host (a PCIe module resets with it) and retry");
        } else {
            port.push(first);
            upload(*session, port);
        }
        if (!how.empty()) session->how_opened_ = how;
        configure(*session);
        return session;
    }

  private:
    // PCIe (pcie_mhi): a running programmer's EDL node is reused; otherwise the boot ROM takes
    // the programmer through BHI and the EDL node appears about a second later.
    std::unique_ptr<Transport> open_over_bhi(BhiIo& io, ChipIdentity& chip, std::string& how) {
        if (auto running = try_open_edl()) return running;
        mhi::BhiClient bhi(io);
        mhi::DeviceInfo info = bhi.device_info();
        mhi::BhiClient::require_edl(info, io.description());
        chip.msm_hw_id = info.msm_hw_id();
        chip.pk_hash_hex = info.pk_hash_hex();
        chip.serial = info.sernum;
        auto [bytes, name, from_file] = pick_programmer(chip);
        report(options_.progress, {"upload programmer (BHI)", "bytes", 0, bytes.size(), false});
        bhi.load_programmer(bytes);
        report(options_.progress,
               {"upload programmer (BHI)", "bytes", bytes.size(), bytes.size(), true});
        how = "uploaded " + name + " over BHI";
        if (from_file) remember(chip);
        return wait_for_edl_node();
    }

    std::unique_ptr<Transport> try_open_edl() {
        try {
            return device_.open_edl(EdlPortOptions{options_.zlp});
        } catch (const NotFoundError&) {
            return nullptr;
        }
    }

    std::unique_ptr<Transport> wait_for_edl_node() {
        Deadline deadline(kEdlNodeWait);
        for (;;) {
            if (auto port = try_open_edl()) return port;
            if (deadline.expired())
                throw TimeoutError(
                    fmt::format("the EDL node of {} did not appear within {} s after the boot ROM "
                                "accepted the programmer",
                                device_.name(), kEdlNodeWait.count() / 1000),
                    "in EDL, programmer loaded over BHI; nothing was written to flash",
                    "check `dmesg` for mhi errors and `ls /dev/mhi_*`; power-cycle the host and "
                    "retry");
            std::this_thread::sleep_for(std::min(Millis(100), deadline.remaining()));
        }
    }

    void remember(const ChipIdentity& chip) {
        if (chip.msm_hw_id == 0) return;
        try {
            store_.add(options_.programmer ? *options_.programmer : options_programmer_,
                       chip.msm_hw_id, chip.pk_hash_hex, "accepted by " + device_.name());
        } catch (const Error& e) {
            spdlog::warn("could not remember the programmer: {}", e.what());
        }
    }

    void upload(EdlSession& session, PrefixTransport& port) {
        sahara::Client sahara(port);
        const auto& hello = sahara.wait_hello();
        if (hello.mode == sahara::Mode::memory_debug)
            throw ProtocolError(
                fmt::format("{} is in crash-dump mode (Sahara memory debug)", device_.name()),
                "crash dump: waiting for a host to save its memory",
                fmt::format("save it with `cellrescue edl ramdump -d {}` or "
                            "power-cycle it",
                            device_.name()));
        try {
            sahara::ChipIdentity id = sahara.read_identity();
            if (auto msm = id.msm_hw_id()) session.chip_.msm_hw_id = *msm;
            session.chip_.pk_hash_hex = id.pk_hash_hex.value_or("");
            session.chip_.serial = id.serial.value_or(0);
        } catch (const ProtocolError& e) {
            spdlog::debug("Sahara identity not available: {}", e.what());
        }
        auto [bytes, name, from_file] = pick_programmer(session.chip_);
        sahara.upload_image(sahara::image_from_bytes(bytes, name), options_.progress);
        session.how_opened_ = "uploaded " + name;
        if (from_file) remember(session.chip_);
    }

    std::tuple<Bytes, std::string, bool> pick_programmer(const ChipIdentity& chip) {
        if (options_.programmer)
            return {read_file(*options_.programmer), options_.programmer->filename().string(),
                    true};
        if (auto p = store_.find(chip.msm_hw_id, chip.pk_hash_hex))
            return {read_file(p->file), p->name, false};
        // Added by hand and not yet tied to a chip: try it; the store learns it on success.
        if (auto unbound = store_.unbound(); !unbound.empty()) {
            options_programmer_ = unbound.front().file;
            return {read_file(unbound.front().file), unbound.front().name, true};
        }
        throw NotFoundError(
            fmt::format(
                "no programmer known for this chip (MSM HW ID {}, PK hash {})",
                hex_id(chip.msm_hw_id),
                chip.pk_hash_hex.empty() ? "unknown" : chip.pk_hash_hex.substr(0, 16) + "..."),
            "in EDL, Sahara waiting for a programmer (nothing was changed)",
            "pass --programmer FILE (the prog_*firehose* file of the module's firmware package), "
            "or register it once with `cellrescue programmers add FILE`");
    }

    void configure(EdlSession& session) {
        std::vector<firehose::MemoryType> order;
        if (options_.memory) {
            order = {*options_.memory};
        } else if (auto known = known_memory_for(session.chip_.msm_hw_id)) {
            order = {*known};
        } else {
            order = {firehose::MemoryType::ufs, firehose::MemoryType::emmc,
                     firehose::MemoryType::nand};
        }
        for (std::size_t i = 0; i < order.size(); ++i) {
            try {
                session.client_->configure(order[i]);
                return;
            } catch (const ProtocolError& e) {
                if (i + 1 == order.size()) throw;
                spdlog::debug("configure {} refused, trying the next storage type: {}",
                              firehose::to_string(order[i]), e.what());
            }
        }
    }

    Device& device_;
    const EdlOptions& options_;
    ProgrammerStore store_;
    std::filesystem::path options_programmer_;  // an unbound store entry being tried
};

EdlSession::EdlSession(Device& device, std::unique_ptr<Transport> transport)
    : device_(device), transport_(std::move(transport)) {}

EdlSession::~EdlSession() {
    try {
        if (transport_) transport_->close();
    } catch (...) {
    }
}

std::unique_ptr<EdlSession> EdlSession::open(Device& device, const EdlOptions& options) {
    return EdlSessionOpener(device, options).open();
}

std::uint32_t EdlSession::sector_size() const {
    return firehose::default_sector_size(memory());
}

std::uint32_t EdlSession::pages_per_block() {
    if (memory() != firehose::MemoryType::nand) return 0;
    if (!pages_per_block_) {
        firehose::StorageInfo info = client_->storage_info(0);
        std::uint32_t ppb = info.page_size && info.block_size >= info.page_size
                                ? info.block_size / info.page_size
                                : info.block_size;
        pages_per_block_ = ppb ? ppb : 64;  // p4K_b256K, the common layout
        total_pages_ = info.total_blocks * *pages_per_block_;
    }
    return *pages_per_block_;
}

const partition::PartitionMap& EdlSession::partitions() {
    if (map_) return *map_;
    const std::uint32_t ss = sector_size();
    auto read_sectors = [&](std::uint32_t lun, std::uint64_t start, std::uint64_t count) {
        Bytes out;
        out.reserve(count * ss);
        client_->read(raw_region(lun, start, count),
                      [&](ByteView b) { out.insert(out.end(), b.begin(), b.end()); });
        return out;
    };
    if (memory() == firehose::MemoryType::nand) {
        std::uint32_t ppb = pages_per_block();
        for (std::uint64_t at : partition::kMibibCandidateSectors) {
            if (total_pages_ && at + 2 > total_pages_) continue;
            Bytes pages = read_sectors(0, at, 2);
            if (!partition::is_mibib_header(ByteView(pages).first(ss))) continue;
            map_ = partition::to_partition_map(
                partition::parse_nand_table(ByteView(pages).subspan(ss)), ss, ppb,
                total_pages_ ? total_pages_ : UINT64_MAX / 2);
            return *map_;
        }
        throw DecodeError("no MIBIB partition table at NAND sectors 0x280, 0x400 or 0x800",
                          "in EDL, Firehose running (the NAND has no partition table)",
                          "flash a full firmware package (it writes partition_complete)");
    }
    // eMMC/UFS: a GPT on LUN 0, and on every further LUN the storage reports (UFS keeps the
    // boot chain on LUN 1/2 and often the calibration on LUN 4: PROTOCOLS.md §3).
    auto read_gpt = [&](std::uint32_t lun) {
        Bytes head = read_sectors(lun, 1, 1);
        partition::GptHeader header = partition::parse_gpt_header(head, ss);
        std::uint64_t entry_sectors = partition::gpt_entries_bytes(header) / ss;
        Bytes entries = read_sectors(lun, header.entries_lba, entry_sectors);
        partition::Gpt gpt{header, partition::parse_gpt_entries(header, entries)};
        return partition::to_partition_map(gpt, lun);
    };
    map_ = read_gpt(0);
    for (std::uint32_t lun = 1; lun < gpt_luns(); ++lun) {
        try {
            auto more = read_gpt(lun);
            map_->partitions.insert(map_->partitions.end(), more.partitions.begin(),
                                    more.partitions.end());
        } catch (const Error& e) {  // a LUN without a GPT (RPMB-like, blank): nothing to map
            spdlog::debug("LUN {}: no GPT ({})", lun, e.what());
        }
    }
    return *map_;
}

std::uint32_t EdlSession::gpt_luns() {
    try {
        return std::clamp<std::uint32_t>(client_->storage_info(0).num_physical, 1, 8);
    } catch (const ProtocolError& e) {
        spdlog::debug("getstorageinfo failed ({}): mapping LUN 0 only", e.what());
        return 1;
    }
}

const partition::Partition& EdlSession::partition(std::string_view name) {
    const auto& map = partitions();
    if (const auto* p = map.find(name)) return *p;
    std::string names;
    for (const auto& p : map.partitions) names += (names.empty() ? "" : ", ") + p.name;
    throw NotFoundError(fmt::format("no partition '{}' on {}", name, device_.name()),
                        "in EDL, Firehose running (nothing was changed)",
                        fmt::format("use one of: {}", names));
}

firehose::Region EdlSession::region(const partition::Partition& part, std::uint64_t first,
                                    std::uint64_t count) {
    if (first > part.num_sectors || count > part.num_sectors - first)
        throw UsageError(fmt::format("sectors {}+{} lie outside partition {} ({} sectors)", first,
                                     count, part.name, part.num_sectors));
    firehose::Region r =
        firehose::Region::sectors(sector_size(), part.lun, part.start_sector + first,
                                  count ? count : part.num_sectors - first, part.name);
    r.pages_per_block = pages_per_block();
    return r;
}

firehose::Region EdlSession::raw_region(std::uint32_t lun, std::uint64_t start,
                                        std::uint64_t count) {
    firehose::Region r = firehose::Region::sectors(sector_size(), lun, start, count);
    r.pages_per_block = pages_per_block();
    return r;
}

void EdlSession::reset() {
    client_->power(firehose::PowerAction::reset);
    transport_->close();
}

}  // namespace cr
