// The virtual u-blox AT personality: boot, identity, settings and the FOAT file system.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "sim/ublox/ublox_server.hpp"

namespace cr::sim::ublox {

namespace {

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

std::optional<long long> number_after(const std::string& up, std::string_view prefix) {
    if (!up.starts_with(prefix)) return std::nullopt;
    try {
        std::size_t used = 0;
        std::string rest = up.substr(prefix.size());
        long long v = std::stoll(rest, &used);
        if (used != rest.size()) return std::nullopt;
        return v;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// The text between the first pair of quotes, or "".
std::string quoted(const std::string& line, std::size_t nth = 0) {
    std::size_t pos = 0;
    for (std::size_t i = 0; i <= nth; ++i) {
        auto a = line.find('"', pos);
        if (a == std::string::npos) return {};
        auto b = line.find('"', a + 1);
        if (b == std::string::npos) return {};
        if (i == nth) return line.substr(a + 1, b - a - 1);
        pos = b + 1;
    }
    return {};
}

bool valid_baud(long long b) {
    static constexpr long long rates[] = {9600,   19200,  38400,  57600,  115200,
                                          230400, 460800, 921600, 3000000};
    return std::find(std::begin(rates), std::end(rates), b) != std::end(rates);
}

}  // namespace

bool UbloxServer::boot() {
    UbloxState u = state();
    if (u.install_until_ms > 0) {
        if (now_ms() < u.install_until_ms) return false;  // still installing: no port
        change([](ModuleState& s, UbloxState& st) {
            if (st.install_code == 128 && !st.install_version.empty())
                s.firmware = st.install_version;
            st.pending_fotastat = st.install_code;
            st.install_until_ms = 0;
            st.install_version.clear();
            st.cfun = 1;
        });
        u = state();
    }
    if (u.update_mode) {
        update_mode_loop();
        u = state();
    }
    if (u.reboot_pending) activate_settings();  // the reboot finished while no one listened
    greet();
    if (u.pending_fotastat) {
        info(u.pending_fotastat == 128 ? "+UFOTASTAT: 2,2,100"
                                       : fmt::format("+UFOTASTAT: 2,3,{}", u.pending_fotastat));
        change([](ModuleState&, UbloxState& st) { st.pending_fotastat = 0; });
    }
    return true;
}

void UbloxServer::greet() {
    UbloxState u = state();
    if (!u.greeting.empty())
        info(u.greeting);
    else if (family_ == Family::lena)
        info("+UUSTATUS: READY");
}

void UbloxServer::handle(const std::string& line) {
    if (echo_) send(line + "\r");
    std::string up = upper(line);
    if (up.size() < 2 || !up.starts_with("AT")) return final(false);
    if (up == "AT") return final(true);
    if (up == "ATE0" || up == "ATE1" || up == "ATE") {
        echo_ = up == "ATE1";
        return final(true);
    }
    if (handle_identity(up) || handle_settings(up) || handle_radio_settings(up, line) ||
        handle_files(up, line))
        return;
    if (up.starts_with("AT+UFWUPD")) return ufwupd(up);
    if (up.starts_with("AT+UFWINSTALL")) return ufwinstall(up);
    final(false);
}

bool UbloxServer::handle_identity(const std::string& up) {
    const ModuleState s = module_.state();
    std::string product = module_.model().product.substr(module_.model().product.find(' ') + 1);
    if (up == "ATI") {
        info(fmt::format("{}\r\n{}\r\n{}", family_ == Family::r4 ? product + "-02B" : product,
                         cgmr(s.firmware), ati9(s.firmware)));
    } else if (up == "ATI9") {
        info(ati9(s.firmware));
    } else if (up == "AT+CGMR") {
        info(cgmr(s.firmware));
    } else if (up == "AT+CGMM") {
        info(product);
    } else if (up == "AT+CGMI") {
        info("u-blox");
    } else if (up == "AT+CGSN") {
        info(s.imeis.empty() ? "" : s.imeis.front());
    } else {
        return false;
    }
    final(true);
    return true;
}

bool UbloxServer::handle_settings(const std::string& up) {
    UbloxState u = state();
    if (auto v = number_after(up, "AT+CMEE=")) {
        cmee_ = static_cast<int>(*v);
        final(*v >= 0 && *v <= 2);
    } else if (up == "AT+CFUN?") {
        info(fmt::format("+CFUN: {}", u.cfun));
        final(true);
    } else if (auto cf = number_after(up, "AT+CFUN=")) {
        if (*cf == 15 || *cf == 16) {
            final(true);
            reboot();
        } else if (*cf == 1 && engineering_firmware(module_.state().firmware)) {
            cme(1, "phone failure");
        } else if (*cf == 0 || *cf == 1 || *cf == 4) {
            change([&](ModuleState&, UbloxState& st) { st.cfun = static_cast<int>(*cf); });
            final(true);
        } else {
            cme(50, "incorrect parameters");
        }
    } else if (up == "AT+UMNOPROF?") {
        info(fmt::format("+UMNOPROF: {}", u.mno_profile));
        final(true);
    } else if (auto p = number_after(up, "AT+UMNOPROF=")) {
        if (u.cfun != 0) return cme(3, "operation not allowed"), true;  // radio must be off
        change([&](ModuleState&, UbloxState& st) { st.mno_profile = static_cast<int>(*p); });
        final(true);
    } else if (up == "AT+CPIN?") {
        cme(10, "SIM not inserted");  // the virtual module has no SIM card
    } else if (up == "AT+UBKUPDATA?") {
        info("+UBKUPDATA: " + u.backup_data);
        final(true);
    } else if (up == "AT+IPR?") {
        info(fmt::format("+IPR: {}", u.baud));
        final(true);
    } else if (auto b = number_after(up, "AT+IPR=")) {
        if (!valid_baud(*b)) return cme(50, "incorrect parameters"), true;
        final(true);  // answered at the old rate; the next command comes at the new one
        change([&](ModuleState&, UbloxState& st) { st.baud = static_cast<std::uint32_t>(*b); });
    } else if (up.starts_with("AT+CSGT=")) {
        std::string text = up.starts_with("AT+CSGT=0") ? "" : quoted(up);
        change([&](ModuleState&, UbloxState& st) { st.greeting = text; });
        final(true);
    } else {
        return false;
    }
    return true;
}

bool UbloxServer::handle_files(const std::string& up, const std::string& line) {
    UbloxState u = state();
    const bool foat_tag = up.find("\"FOAT\"") != std::string::npos;
    if (up.starts_with("AT+ULSTFILE=")) {
        if (foat_tag && u.foat_file) info("+ULSTFILE: \"updatePackage.bin\"");
        final(true);
    } else if (up.starts_with("AT+UDELFILE=")) {
        if (!foat_tag || quoted(line) != "updatePackage.bin" || !u.foat_file)
            return cme(1612, "FILE NOT FOUND"), true;
        std::filesystem::remove(foat_file_path(module_));
        change([](ModuleState&, UbloxState& st) {
            st.foat_file = false;
            st.foat_file_size = 0;
        });
        final(true);
    } else if (up.starts_with("AT+UDWNFILE=")) {
        auto comma = up.find(',');
        long long size = comma == std::string::npos ? -1 : std::atoll(up.c_str() + comma + 1);
        if (!foat_tag || quoted(line) != "updatePackage.bin" || size <= 0 || size > (32 << 20))
            return cme(50, "incorrect parameters"), true;
        send(">");
        Bytes data;
        if (!read_raw(data, static_cast<std::size_t>(size), Millis(20000)))
            return cme(1613, "timeout waiting for data"), true;
        // Like the real FS: data for an existing file is appended (a stale package corrupts it).
        std::ofstream(foat_file_path(module_), std::ios::binary | std::ios::app)
            .write(reinterpret_cast<const char*>(data.data()), static_cast<long>(data.size()));
        change([&](ModuleState&, UbloxState& st) {
            st.foat_file = true;
            st.foat_file_size += data.size();
        });
        final(true);
    } else {
        return false;
    }
    return true;
}

void UbloxServer::reboot() {
    change([](ModuleState&, UbloxState& st) { st.reboot_pending = true; });
    nap(Millis(5000));
    activate_settings();
    change([](ModuleState&, UbloxState& st) { st.cfun = 1; });
    echo_ = true;
    greet();
}

}  // namespace cr::sim::ublox
