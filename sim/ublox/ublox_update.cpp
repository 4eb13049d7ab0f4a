// The virtual u-blox firmware-update state machines (PROTOCOLS.md §9).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "protocols/at/at_parser.hpp"
#include "protocols/xmodem/xmodem.hpp"
#include "sim/ublox/paced_transport.hpp"
#include "sim/ublox/ublox_package.hpp"
#include "sim/ublox/ublox_server.hpp"
#include "src/util/error.hpp"

namespace cr::sim::ublox {

namespace {

constexpr Millis r4_install_time{21 * 60 * 1000};
constexpr Millis prevalidation_step{2000};
constexpr Millis install_step{15000};

Millis at_least(Millis m, Millis floor) {
    return std::max(m, floor);
}

Bytes read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

// Receives one package by XMODEM: 'C' x3 (3 s apart) then NAK x10 (10 s apart), scaled; or
// 'C' forever in update mode. Throws TimeoutError when nobody sent, ProtocolError when the
// transfer failed.
std::optional<Bytes> UbloxServer::receive_package(bool endless_handshake) {
    UbloxState u = state();
    xmodem::ReceiveOptions o;
    o.crc_requests = endless_handshake ? 1 << 30 : 3;
    o.crc_interval = at_least(scaled(u, Millis(3000)), Millis(20));
    o.nak_requests = 10;
    o.nak_interval = at_least(scaled(u, Millis(10000)), Millis(20));
    o.max_bytes = 32u << 20;
    // In-flight leftovers of the command line must not look like XMODEM.
    in_.clear();
    if (u.pace) {
        PacedTransport paced(port_, u.baud);
        Bytes data = xmodem::receive(paced, o).data;
        Bytes after = paced.take_unread();  // sent after the transfer: the command line's
        in_.insert(in_.end(), after.begin(), after.end());
        return data;
    }
    return xmodem::receive(port_, o).data;
}

void UbloxServer::ufwupd(const std::string& up) {
    UbloxState u = state();
    if (u.foat_file) return cme(3, "FOTA memory is in use");
    if (family_ == Family::r4) {
        if (up != "AT+UFWUPD=3") return cme(50, "incorrect parameters");
        info("+UFWUPD: ONGOING");
        try {
            Bytes pkg = *receive_package(false);
            std::ofstream(foat_file_path(module_), std::ios::binary | std::ios::trunc)
                .write(reinterpret_cast<const char*>(pkg.data()), static_cast<long>(pkg.size()));
            change([&](ModuleState&, UbloxState& st) {
                st.foat_file = true;
                st.foat_file_size = pkg.size();
            });
            final(true);
        } catch (const TimeoutError&) {
            info("ERROR1");  // handshake window closed: old firmware kept
        } catch (const ProtocolError& e) {
            spdlog::debug("virtual {}: xmodem failed: {}", module_.id(), e.what());
            final(false);
        }
        return;
    }
    unsigned port = 0, baud = 0;
    if (std::sscanf(up.c_str(), "AT+UFWUPD=%u,%u", &port, &baud) != 2 || baud < 9600)
        return cme(50, "incorrect parameters");
    final(true);  // from here on everything is at the new baud rate
    change([&](ModuleState&, UbloxState& st) { st.baud = baud; });
    while (true) {
        Bytes pkg;
        try {
            pkg = *receive_package(false);
        } catch (const TimeoutError&) {
            info("Timeout");
            return reboot();
        } catch (const ProtocolError&) {
            continue;  // stays in update mode: a fresh handshake
        }
        install_with_progress(pkg, "+UFWUPD: ", true);
        if (last_ok_) return reboot();
        // A failed validation leaves the module in update mode expecting a fresh handshake.
    }
}

void UbloxServer::ufwinstall(const std::string& up) {
    UbloxState u = state();
    if (!u.foat_file) return cme(1612, "FILE NOT FOUND");
    Bytes pkg = read_file(foat_file_path(module_));
    if (family_ == Family::r4) {
        if (up != "AT+UFWINSTALL") return cme(50, "incorrect parameters");
        final(true);
        auto v = validate_package(pkg, module_.model().id, module_.state().firmware);
        std::filesystem::remove(foat_file_path(module_));
        change([&](ModuleState&, UbloxState& st) {
            st.foat_file = false;
            st.foat_file_size = 0;
            st.install_until_ms = now_ms() + scaled(st, r4_install_time).count();
            st.install_version = v.version;
            st.install_code = v.code;
        });
        throw PortDropped{};  // R4: no URCs, the ports vanish until the install ends
    }
    if (up != "AT+UFWINSTALL" && !up.starts_with("AT+UFWINSTALL=")) return final(false);
    final(true);
    install_with_progress(pkg, family_ == Family::lena ? "+UUFWINSTALL: " : "+UFWINSTALL: ", false);
    if (last_ok_) {
        std::filesystem::remove(foat_file_path(module_));
        change([](ModuleState&, UbloxState& st) {
            st.foat_file = false;
            st.foat_file_size = 0;
        });
        reboot();
    }
}

// Pre-validation (+UFWPREVAL, only for AT+UFWUPD), then install progress and the result code.
void UbloxServer::install_with_progress(const Bytes& package, const std::string& prefix,
                                        bool prevalidate) {
    last_ok_ = false;
    if (prevalidate)
        for (int pct = 0; pct <= 100; pct += 25) {
            info(fmt::format("+UFWPREVAL: {}", pct));
            nap(prevalidation_step);
        }
    auto v = validate_package(package, module_.model().id, module_.state().firmware);
    spdlog::debug("virtual {}: package check {} ({})", module_.id(), v.code, v.reason);
    if (v.code != 128) return info(fmt::format("{}{}", prefix, v.code));
    change([&](ModuleState&, UbloxState& st) {
        st.install_until_ms = now_ms() + scaled(st, install_step * 11).count();
        st.install_version = v.version;
        st.install_code = 128;
    });
    for (int pct = 0; pct <= 100; pct += 10) {
        info(fmt::format("{}{}", prefix, pct));
        nap(install_step);
    }
    change([&](ModuleState& s, UbloxState& st) {
        s.firmware = v.version;
        st.install_until_ms = 0;
        st.install_version.clear();
        st.install_code = 0;
    });
    info(fmt::format("{}128", prefix));
    last_ok_ = true;
}

// After power loss during an install: the module waits in its bootloader for a fresh XMODEM
// handshake ('C' every 3 s) and answers no AT commands until a valid package is installed.
void UbloxServer::update_mode_loop() {
    while (true) {
        Bytes pkg;
        try {
            pkg = *receive_package(true);
        } catch (const ProtocolError&) {
            continue;
        }
        change([](ModuleState&, UbloxState& st) { st.update_mode = false; });
        install_with_progress(pkg, "+UFWUPD: ", false);
        if (last_ok_) return;
        change([](ModuleState&, UbloxState& st) { st.update_mode = true; });
    }
}

}  // namespace cr::sim::ublox
