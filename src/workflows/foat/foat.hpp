// Firmware update over AT (FOAT) for u-blox SARA-R4, SARA-R5 and LENA-R8 (PROTOCOLS.md §9).
//
// Methods:
// - ufwupd (default): R4: [AT+IPR=<baud>] AT+UFWUPD=3, XMODEM-1K inside the module's C/NAK
//   window, AT+UFWINSTALL, then wait (bounded) for the module to come back. R5/LENA:
//   AT+UFWUPD=<port>,<baud> (the host follows to the new baud on a real tty), XMODEM, then
//   +UFWPREVAL / +UFWUPD progress and the final code.
// - udwnfile: delete a stale updatePackage.bin (FOAT tag), AT+UDWNFILE with the prompt and raw
//   bytes, then AT+UFWINSTALL[=<port>,<baud>] with +UFWINSTALL/+UUFWINSTALL progress.
// Refuses (SafetyError, nothing sent) firmware only a full flash can update (M0.00.00; R4
// below 05.12). Confirms success by comparing ATI9/AT+CGMR before and after. A module found in
// update mode (power lost during an install: it only sends 'C') gets the package right away.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/device/device.hpp"
#include "src/util/progress.hpp"

namespace cr::workflows {

enum class FoatMethod { ufwupd, udwnfile };

struct FoatOptions {
    std::filesystem::path package;
    FoatMethod method = FoatMethod::ufwupd;
    std::optional<std::uint32_t> baud;       // R4: AT+IPR before the transfer; R5/LENA: UFWUPD baud
    unsigned port_id = 1;                    // <port> of AT+UFWUPD/AT+UFWINSTALL on R5/LENA
    Millis install_timeout{25 * 60 * 1000};  // module back after the install (R4 ~21-23 min)
    Millis poll_interval{5000};              // between attempts to reach a vanished module
    Millis handshake_window{115000};         // XMODEM 'C'/NAK window (app note: ~109 s)
    ProgressFn progress;  // phases: "transfer" (bytes), "validation" (%), "installation" (%)
    std::function<void(const std::string&)> warn;  // warnings before risky steps
};

struct FoatReport {
    std::string device;
    std::string model;  // AT+CGMM
    std::string method;
    std::string ati9_before, cgmr_before;
    std::string ati9_after, cgmr_after;
    int result_code = 0;  // 128 success; 0 when the module gave none (R4: versions decide)
    std::string result_text;
    bool updated = false;  // the version changed
    std::vector<std::string> warnings;
};

// Runs the update. Throws typed errors naming the module's state (SafetyError when refused,
// ProtocolError with the result code in words, TimeoutError, DeviceGoneError).
FoatReport run_foat(Device& device, const FoatOptions& options);

// The firmware checks, pure (for tests): empty when FOAT may proceed, else why not.
std::string foat_refusal(const std::string& ati9, const std::string& cgmr,
                         const std::string& model);

}  // namespace cr::workflows
