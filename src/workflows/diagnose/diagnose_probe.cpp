// Gathering observations for `diagnose`: read-only AT and DIAG queries with their exact replies.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>

#include "nv/imei.hpp"
#include "protocols/at/at_channel.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "protocols/diag/nv_client.hpp"
#include "src/device/sim_device.hpp"
#include "src/util/hex.hpp"
#include "src/workflows/diagnose/diagnose.hpp"
#include "src/workflows/restore/restore_marker.hpp"

namespace cr::workflows {
namespace {

constexpr Millis kAtOpen{5000};
constexpr Millis kAtCommand{5000};
constexpr Millis kCfun{15000};  // PROTOCOLS §10: CFUN may take up to 15 s

std::string joined(const at::Response& r) {
    std::string out;
    for (const auto& l : r.lines) out += (out.empty() ? "" : " | ") + l;
    return out + (out.empty() ? "" : " | ") + r.final.line;
}

bool contains_ci(std::string_view text, std::string_view word) {
    auto lower = [](std::string_view s) {
        std::string o(s);
        for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return o;
    };
    return lower(text).find(lower(word)) != std::string::npos;
}

// Asks one AT question; records the exact reply (or why there was none).
std::optional<at::Response> ask(at::AtChannel& ch, Observation& o, std::string_view cmd,
                                Millis timeout = kAtCommand) {
    try {
        at::Response r = ch.command(cmd, timeout);
        o.transcript.push_back({std::string(cmd), joined(r)});
        return r;
    } catch (const TimeoutError& e) {
        o.transcript.push_back({std::string(cmd), fmt::format("no answer ({})", e.what())});
        return std::nullopt;
    }
}

std::optional<std::string> imei_in(const at::Response& r) {
    for (auto line : r.lines) {
        if (auto v = at::value_after(line, "+EGMR:")) line = *v;
        std::string digits;
        for (char c : line)
            if (c != '"' && c != ' ') digits += c;
        if (digits.size() == 15 && digits.find_first_not_of("0123456789") == std::string::npos)
            return digits;
    }
    return std::string();
}

void probe_quectel(at::AtChannel& ch, Observation& o) {
    if (auto r = ask(ch, o, "AT+QGMR"); r && r->ok() && !r->lines.empty())
        o.firmware = r->lines.front();
    if (auto r = ask(ch, o, "AT+CFUN?", kCfun); r && r->ok())
        if (auto v = r->value("+CFUN:")) o.cfun = std::atoi(v->c_str());
    if (auto r = ask(ch, o, "AT+CGSN"); r && r->ok()) o.imei_at = imei_in(*r);
    if (auto r = ask(ch, o, "AT+EGMR=0,7"); r && r->ok()) {
        auto v = imei_in(*r);
        if (!o.imei_at || o.imei_at->empty()) o.imei_at = v;
    }
    if (auto r = ask(ch, o, "AT+CPIN?"))
        o.sim_ready = r->ok() && r->value("+CPIN:").value_or("") == "READY";
    ask(ch, o, "AT+CSQ");
    if (auto r = ask(ch, o, "AT+QPRTPARA=4"); r && r->ok())
        o.prtpara = r->value("+QPRTPARA:").value_or("");
}

void probe_ublox(at::AtChannel& ch, Observation& o) {
    if (auto r = ask(ch, o, "ATI9"); r && r->ok()) o.ati = r->text();
    if (auto r = ask(ch, o, "AT+CGMR"); r && r->ok() && !r->lines.empty())
        o.firmware = r->lines.front();
    if (auto r = ask(ch, o, "AT+CFUN?", kCfun); r && r->ok())
        if (auto v = r->value("+CFUN:")) o.cfun = std::atoi(v->c_str());
    if (auto r = ask(ch, o, "AT+CGSN"); r && r->ok()) o.imei_at = imei_in(*r);
    if (auto r = ask(ch, o, "AT+CPIN?"))
        o.sim_ready = r->ok() && r->value("+CPIN:").value_or("") == "READY";
    if (auto r = ask(ch, o, "AT+UMNOPROF?"); r && r->ok())
        if (auto v = r->value("+UMNOPROF:")) o.mno_profile = std::atoi(v->c_str());
    if (auto r = ask(ch, o, "AT+UBKUPDATA?"); r && r->ok())
        o.ubkupdata = r->value("+UBKUPDATA:").value_or("");
}

void probe_at(Device& device, Observation& o) {
    try {
        auto port = device.open_at();
        at::AtChannel ch(*port);
        // Quectel's status URCs arrive between commands: evidence, never part of a reply.
        for (const char* prefix : {"+QIND:", "+QUSIM:", "+QSTAT:"})
            ch.on_urc(prefix, [&o](const std::string& line) {
                o.transcript.push_back({"URC", line});
            });
        ch.open(kAtOpen);
        o.at_ok = true;
        auto ati = ask(ch, o, "ATI");
        std::string text = ati && ati->ok() ? ati->text() : "";
        if (!contains_ci(text, "quectel") && !contains_ci(text, "u-blox"))
            if (auto r = ask(ch, o, "AT+CGMI"); r && r->ok()) text += "\n" + r->text();
        o.ati = ati ? ati->text() : "";
        if (contains_ci(text, "quectel")) {
            o.vendor = "quectel";
            if (o.model.empty() && ati && ati->lines.size() > 1) o.model = ati->lines[1];
            probe_quectel(ch, o);
        } else if (contains_ci(text, "u-blox")) {
            o.vendor = "ublox";
            if (o.model.empty() && ati && !ati->lines.empty()) o.model = ati->lines.back();
            probe_ublox(ch, o);
        }
    } catch (const Error& e) {
        o.at_error = e.what();
        o.transcript.push_back({"AT port", e.what()});
    }
}

std::string nv_evidence(const diag::NvResult& r) {
    if (!r.ok()) return r.describe();
    std::size_t used = r.data.size();
    while (used > 0 && r.data[used - 1] == 0) --used;
    return fmt::format("DONE {}", to_hex(ByteView(r.data).first(std::max<std::size_t>(used, 1))));
}

std::size_t count_files(diag::Efs2Client& efs, Observation& o, const std::string& dir) {
    try {
        std::size_t n = efs.list(dir).size();
        o.transcript.push_back({"DIAG EFS ls " + dir, fmt::format("{} entries", n)});
        return n;
    } catch (const diag::EfsError& e) {
        o.transcript.push_back({"DIAG EFS ls " + dir, e.what()});
        if (e.err() == diag::efs::kEnoent) return 0;
        throw;
    }
}

// cellrescue's restore marker (restore_marker.hpp): present only while a restore is unfinished.
void read_marker(diag::Efs2Client& efs, Observation& o) {
    try {
        o.restore_marker = read_restore_marker(efs);
        o.transcript.push_back(
            {"DIAG EFS marker", o.restore_marker
                                    ? std::string(kRestoreMarker) + ": " + *o.restore_marker
                                    : std::string(kRestoreMarker) + ": ENOENT"});
    } catch (const diag::EfsError& e) {
        o.transcript.push_back({"DIAG EFS marker", e.what()});
    }
}

void probe_diag(Device& device, Observation& o) {
    try {
        auto port = device.open_diag();
        diag::DiagClient dc(*port);
        diag::NvClient nv(dc);
        auto imei = nv.read(550);
        o.transcript.push_back({"DIAG NV_READ 550", nv_evidence(imei)});
        o.diag_ok = true;
        o.imei_nv = std::string();
        if (imei.ok()) {
            try {
                o.imei_nv = nv::decode_imei_nv(imei.data).value_or("");
            } catch (const DecodeError&) {
                o.imei_nv = "";
            }
        }
        auto ftm = nv.read(453);
        o.transcript.push_back({"DIAG NV_READ 453", nv_evidence(ftm)});
        o.ftm_nv_present = ftm.ok();
        if (ftm.ok()) o.ftm_nv = ftm.data[0];
        try {
            o.esn = dc.esn();
            o.transcript.push_back({"DIAG ESN", fmt::format("0x{:08x}", *o.esn)});
        } catch (const ProtocolError& e) {
            o.transcript.push_back({"DIAG ESN", e.what()});
        }
        diag::Efs2Client efs(dc);
        o.rfnv_files = count_files(efs, o, "/nv/item_files/rfnv");
        o.nvm_num_files = count_files(efs, o, "/nvm/num");
        read_marker(efs, o);
    } catch (const Error& e) {
        o.diag_error = e.what();
        o.transcript.push_back({"DIAG port", e.what()});
    }
}

}  // namespace

Observation probe_module(Device& device, const ProgressFn& progress) {
    Observation o;
    o.device = device.name();
    o.mode = device.mode();
    if (auto* sim = dynamic_cast<SimDevice*>(&device)) {
        // What the chip reports over Sahara; for a virtual module it is in its state.
        o.chip_serial = sim->module().state().serial;
        o.model = sim->module().model().id;
    }
    if (o.mode != DeviceMode::normal) return o;
    report(progress, {"ask the AT port", "steps", 0, 2, false});
    probe_at(device, o);
    if (o.vendor != "ublox") {
        report(progress, {"ask the DIAG port", "steps", 1, 2, false});
        probe_diag(device, o);
    }
    report(progress, {"ask the module", "steps", 2, 2, true});
    return o;
}

}  // namespace cr::workflows
