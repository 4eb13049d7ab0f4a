// The u-blox part of a virtual module's state (state().extra["ublox"]) and the version strings
// derived from state().firmware.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "sim/core/virtual_module.hpp"
#include "src/util/bytes.hpp"
#include "src/util/deadline.hpp"

namespace cr::sim::ublox {

enum class Family { r4, r5, lena };
Family family_of(const ModelSpec& model);

struct UbloxState {
    double time_scale = 1.0;      // every module-side delay is multiplied by this
    bool pace = false;            // pace XMODEM bytes to the line rate (benchmarks)
    std::uint32_t baud = 115200;  // AT+IPR
    int mno_profile = 0;          // AT+UMNOPROF
    int cfun = 1;
    std::string backup_data = "0,0,1,0,0,0,0";  // AT+UBKUPDATA? (a first-boot backup exists)
    std::string greeting;                       // AT+CSGT custom greeting ("" = model default)
    bool foat_file = false;                     // updatePackage.bin present in the FOAT area
    std::uint64_t foat_file_size = 0;
    bool update_mode = false;  // power lost during install: waits for a fresh handshake
    // An R4 install in progress (the port is gone until it ends): wall-clock end, ms since epoch.
    std::int64_t install_until_ms = 0;
    std::string install_version;  // firmware after the install ("" when it will fail)
    int install_code = 0;         // result code of that install
    int pending_fotastat = 0;     // result to announce with +UFOTASTAT at the next boot
    bool reboot_pending = false;  // AT+CFUN=15 accepted; settings go live when it is done
};

UbloxState load(const ModuleState& state);
void store(ModuleState& state, const UbloxState& u);

// Firmware strings. state().firmware is either "ver,app" (ATI9 form: "02.06,A00.01") or a
// CGMR form with a date ("M0.00.00 [Oct 08 2020 15:00:01]", application version A.02.19).
std::string ati9(const std::string& firmware);
std::string cgmr(const std::string& firmware);
// True for the all-zero engineering firmware that answers phone failure to AT+CFUN=1.
bool engineering_firmware(const std::string& firmware);

// An EasyFlash full flash: MNO profile and every NVM setting back to factory (FOAT keeps them).
void full_flash_reset(ModuleState& state, const ModelSpec& model);

Millis scaled(const UbloxState& u, Millis real);
std::int64_t now_ms();

// Where the package received by XMODEM or AT+UDWNFILE is kept (module dir / foat.bin).
std::filesystem::path foat_file_path(const VirtualModule& module);

}  // namespace cr::sim::ublox
