#include "sim/edl/sahara_target.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocols/sahara/sahara_stream.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::sim {
namespace {

using namespace cr::sahara;

constexpr Millis kSaharaPoll{100};  // how often an idle target looks at its stop token
constexpr Millis kSaharaSendTimeout{5000};

// NAK statuses a target sends (names in sahara::status_text).
constexpr std::uint32_t kInvalidCmd = 0x01;
constexpr std::uint32_t kInvalidPacketSize = 0x05;
constexpr std::uint32_t kInvalidHostProtocol = 0x04;
constexpr std::uint32_t kTimeoutRx = 0x16;
constexpr std::uint32_t kInvalidHostMode = 0x18;
constexpr std::uint32_t kInvalidMemoryRead = 0x19;
constexpr std::uint32_t kMemoryDebugUnsupported = 0x1B;
constexpr std::uint32_t kExecUnsupported = 0x1F;
constexpr std::uint32_t kHashVerifyFailure = 0x22;

enum class State { hello_sent, command, memory_debug, image_done, failed, silent };

class Session {
  public:
    Session(const SaharaTargetConfig& config, Transport& port,
            const std::function<void(const TargetOutcome&)>& on_status)
        : config_(config), stream_(port, "target"), on_status_(on_status) {}

    TargetOutcome run(std::stop_token stop) {
        if (config_.send_hello)
            send_hello(initial_mode());
        else
            state_ = State::hello_sent;  // as if the HELLO went to an earlier host
        while (!stop.stop_requested()) {
            std::optional<Packet> p;
            try {
                p = stream_.next(kSaharaPoll);
            } catch (const DecodeError& e) {
                spdlog::debug("virtual sahara: {}", e.what());
                stream_.discard_buffer();
                end_image(kInvalidPacketSize);
                continue;
            }
            if (!p) continue;
            if (auto end = handle(*p)) return *end;
        }
        return outcome_;
    }

  private:
    sahara::Mode initial_mode() const {
        return config_.memory_debug ? sahara::Mode::memory_debug : sahara::Mode::image_tx_pending;
    }

    void send_hello(sahara::Mode mode) {
        stream_.send(Hello{config_.version, config_.version_compatible, 0x400, mode},
                     kSaharaSendTimeout);
        state_ = State::hello_sent;
    }

    void end_image(std::uint32_t status) {
        stream_.send(EndImageTx{config_.image_id, status}, kSaharaSendTimeout);
        outcome_.last_status = status;
        if (on_status_) on_status_(outcome_);
        if (status != 0) state_ = State::failed;
    }

    std::optional<TargetOutcome> handle(const Packet& p) {
        if (std::holds_alternative<ResetStateMachine>(p)) {
            stream_.discard_buffer();
            send_hello(initial_mode());
            return std::nullopt;
        }
        if (state_ == State::silent) return std::nullopt;  // stuck until RESET_STATE_MACHINE
        switch (state_) {
            case State::hello_sent:
                if (auto* r = std::get_if<HelloResp>(&p)) return on_hello_resp(*r);
                break;
            case State::command:
                if (command(p)) return std::nullopt;
                break;
            case State::memory_debug:
                if (auto* r = std::get_if<MemoryRead>(&p)) {
                    memory_read(*r);
                    return std::nullopt;
                }
                break;
            case State::image_done:
                if (std::holds_alternative<Done>(p)) {
                    stream_.send(DoneResp{1}, kSaharaSendTimeout);
                    outcome_.end = TargetEnd::programmer_accepted;
                    return outcome_;
                }
                break;
            default:
                break;
        }
        if (std::holds_alternative<Reset>(p)) {
            stream_.send(ResetResp{}, kSaharaSendTimeout);
            if (state_ == State::memory_debug) {
                outcome_.end = TargetEnd::reset;
                return outcome_;
            }
            // RESET outside memory debug can leave real targets stuck (PROTOCOLS.md §2).
            state_ = State::silent;
            return std::nullopt;
        }
        spdlog::debug("virtual sahara: {} is not valid now", packet_name(p));
        end_image(kInvalidCmd);
        return std::nullopt;
    }

    std::optional<TargetOutcome> on_hello_resp(const HelloResp& r) {
        if (r.version < config_.version_compatible) {
            end_image(kInvalidHostProtocol);
            return std::nullopt;
        }
        if (config_.memory_debug) {
            if (r.mode != sahara::Mode::memory_debug)
                return end_image(kInvalidHostMode), std::nullopt;
            if (!config_.crash) return end_image(kMemoryDebugUnsupported), std::nullopt;
            auto table = crash_table_bytes(*config_.crash);
            stream_.send(MemoryDebug{config_.crash->table_addr, table.size(), config_.crash->wide},
                         kSaharaSendTimeout);
            state_ = State::memory_debug;
            return std::nullopt;
        }
        if (r.mode == sahara::Mode::command) {
            stream_.send(CmdReady{}, kSaharaSendTimeout);
            state_ = State::command;
        } else if (r.mode == sahara::Mode::image_tx_pending) {
            receive_programmer();
        } else {
            end_image(kInvalidHostMode);
        }
        return std::nullopt;
    }

    // ---- command mode ----------------------------------------------------------------------
    bool command(const Packet& p) {
        if (auto* e = std::get_if<Execute>(&p)) {
            pending_ = exec_reply(e->client_cmd);
            pending_cmd_ = e->client_cmd;
            if (!pending_) {
                stream_.send(EndImageTx{0, kExecUnsupported}, kSaharaSendTimeout);
                return true;  // a refusal keeps command mode
            }
            stream_.send(ExecuteResp{e->client_cmd, static_cast<std::uint32_t>(pending_->size())},
                         kSaharaSendTimeout);
            return true;
        }
        if (auto* d = std::get_if<ExecuteData>(&p)) {
            if (!pending_ || d->client_cmd != pending_cmd_) return false;
            stream_.send_raw(*pending_, kSaharaSendTimeout);
            pending_.reset();
            return true;
        }
        if (auto* s = std::get_if<SwitchMode>(&p)) {
            // Leaves command mode and starts over with a HELLO in the asked mode.
            send_hello(s->mode);
            return true;
        }
        return false;
    }

    std::optional<Bytes> exec_reply(std::uint32_t cmd) const {
        const auto& id = config_.identity;
        switch (static_cast<Exec>(cmd)) {
            case Exec::serial_number:
                return ByteWriter().u32(config_.serial).take();
            case Exec::msm_hw_id:
                if (config_.refuse_msm_hw_id) return std::nullopt;
                return encode_msm_hw_id({id.msm_hw_id, 0, 0});
            case Exec::oem_pk_hash:
                if (config_.refuse_pk_hash) return std::nullopt;
                return from_hex(id.pk_hash_hex);
            case Exec::sbl_version:
                return ByteWriter().u32(config_.sbl_version).take();
            case Exec::command_list: {
                ByteWriter w;
                for (std::uint32_t c : {0x01u, 0x02u, 0x03u, 0x07u, 0x08u}) w.u32(c);
                if (config_.version >= 3) w.u32(0x0A);
                return w.take();
            }
            case Exec::chip_id_v3:
                if (config_.version < 3) return std::nullopt;
                return encode_chip_id_v3({id.msm_hw_id, 0, 0});
            default:
                return std::nullopt;
        }
    }

    // ---- memory debug ----------------------------------------------------------------------
    void memory_read(const MemoryRead& r) {
        if (r.wide != config_.crash->wide || r.len == 0 || r.len > (16u << 20)) {
            end_image(kInvalidMemoryRead);
            state_ = State::memory_debug;  // a bad read does not end the session
            return;
        }
        Bytes data(r.len);
        if (!read_crash_memory(*config_.crash, r.addr, data)) {
            end_image(kInvalidMemoryRead);
            state_ = State::memory_debug;
            return;
        }
        stream_.send_raw(data, kSaharaSendTimeout);
    }

    // ---- image transfer ----------------------------------------------------------------------
    // Asks for [offset, offset+len); false (after NAK 0x16) if the host does not deliver.
    bool request(std::uint64_t offset, std::uint64_t len, Bytes& out) {
        stream_.send(ReadData{config_.image_id, offset, len, config_.version >= 3},
                     kSaharaSendTimeout);
        ++outcome_.requests;
        out.resize(len);
        try {
            stream_.read_raw(out, config_.host_timeout, "programmer data");
        } catch (const TimeoutError&) {
            end_image(kTimeoutRx);
            return false;
        }
        return true;
    }

    void receive_programmer() {
        Bytes header, phdrs, sign;
        std::uint64_t phoff = 0;
        std::uint32_t phnum = 0;
        ProgrammerLayout layout;
        if (!request(0, kElfHeaderSize, header)) return;
        if (auto s = check_elf_header(header, phoff, phnum)) return end_image(s);
        if (!request(phoff, std::uint64_t{phnum} * kProgramHeaderSize, phdrs)) return;
        if (auto s = check_program_headers(phdrs, layout)) return end_image(s);
        // The hash segment first (it sits after the payload): authenticate before loading.
        if (!request(layout.sign_offset, kSignBlockSize, sign)) return;
        Bytes expected_digest;
        if (auto s = check_sign_block(sign, config_.identity, layout, expected_digest))
            return end_image(s);
        Digest payload_digest(Digest::Algorithm::sha256);
        Bytes image(
            std::max<std::uint64_t>(layout.sign_offset + kSignBlockSize, phoff + phdrs.size()));
        std::copy(header.begin(), header.end(), image.begin());
        std::copy(phdrs.begin(), phdrs.end(), image.begin() + static_cast<std::ptrdiff_t>(phoff));
        Bytes piece;
        for (std::uint64_t done = 0; done < layout.payload_size;) {
            std::uint64_t n = std::min(config_.segment_chunk, layout.payload_size - done);
            if (!request(layout.payload_offset + done, n, piece)) return;
            payload_digest.update(piece);
            if (layout.payload_offset + done + n <= image.size())
                std::copy(
                    piece.begin(), piece.end(),
                    image.begin() + static_cast<std::ptrdiff_t>(layout.payload_offset + done));
            done += n;
        }
        if (payload_digest.finish() != expected_digest) return end_image(kHashVerifyFailure);
        std::copy(sign.begin(), sign.end(),
                  image.begin() + static_cast<std::ptrdiff_t>(layout.sign_offset));
        outcome_.programmer_sha256 = sha256_hex(image);
        outcome_.programmer_size = image.size();
        end_image(0);
        state_ = State::image_done;
    }

    const SaharaTargetConfig& config_;
    PacketStream stream_;
    const std::function<void(const TargetOutcome&)>& on_status_;
    State state_ = State::hello_sent;
    TargetOutcome outcome_;
    std::optional<Bytes> pending_;
    std::uint32_t pending_cmd_ = 0;
};

}  // namespace

TargetOutcome serve_sahara(const SaharaTargetConfig& config, Transport& port, std::stop_token stop,
                           const std::function<void(const TargetOutcome&)>& on_status) {
    Session session(config, port, on_status);
    return session.run(stop);
}

}  // namespace cr::sim
