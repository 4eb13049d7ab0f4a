// `cellrescue diagnose`: asks a module what is wrong with it and says what to do.
//
// Contract:
// - probe_module() gathers observations over the AT port (and, for Qualcomm-based Quectel
//   modules, the DIAG port): every command and its exact reply is kept as evidence. Nothing is
//   written to the module (read-only queries only). A port that cannot be opened or that does
//   not answer is itself an observation (no throw); a device in EDL is reported as such.
// - evaluate() is pure: observations (+ the module's newest backup identity from the store)
//   -> findings, ranked most severe first. Finding ids are stable (docs/diagnose.md).
// - diagnose() = probe + baseline lookup in the backup store + evaluate.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/device/device.hpp"
#include "src/util/progress.hpp"
#include "src/workflows/rescue/rescue_identity.hpp"

namespace cr::workflows {

enum class Severity { ok, info, warning, critical };
std::string_view to_string(Severity severity);

// One question and the module's exact answer ("AT+CFUN?" -> "+CFUN: 5 / OK").
struct Evidence {
    std::string query;  // "AT+CFUN?", "DIAG NV_READ 550", "DIAG EFS ls /nv/item_files/rfnv"
    std::string reply;  // exact reply lines joined with " | " (final result included)
};

struct Finding {
    std::string id;  // stable: "efs2-wiped", "imei-missing", ... (docs/diagnose.md)
    Severity severity = Severity::info;
    std::string summary;  // one line
    std::vector<Evidence> evidence;
    std::string cause;   // likely cause
    std::string remedy;  // what to do (commands to run)
};

// What the probe saw. Optional fields are unset when the question could not be asked/answered.
struct Observation {
    std::string device;  // -d name
    DeviceMode mode = DeviceMode::absent;
    std::string vendor;                  // "quectel", "ublox", "" unknown
    std::string model;                   // ATI model line ("RM520N-GL") or catalogue id
    std::string firmware;                // AT+QGMR / AT+CGMR
    std::string ati;                     // ATI / ATI9 text
    std::optional<int> cfun;             // AT+CFUN?
    std::optional<std::string> imei_at;  // AT+CGSN / AT+EGMR=0,7 ("" when empty)
    std::optional<bool> sim_ready;       // AT+CPIN?: true READY, false not inserted / error
    std::optional<std::string> prtpara;  // AT+QPRTPARA=4 value
    bool at_ok = false;                  // the AT port answered
    std::string at_error;                // why not
    bool diag_ok = false;                // the DIAG port answered
    std::string diag_error;
    std::optional<std::string> imei_nv;   // NV 550 decoded ("" = NOTACTIVE/erased)
    std::optional<std::uint32_t> ftm_nv;  // NV 453 (nullopt: NOTACTIVE/unreadable)
    bool ftm_nv_present = false;
    std::optional<std::size_t> rfnv_files;     // files in /nv/item_files/rfnv (0 when ENOENT)
    std::optional<std::size_t> nvm_num_files;  // entries in /nvm/num
    std::optional<std::uint32_t> esn;          // DIAG ESN
    std::uint32_t chip_serial = 0;             // virtual modules: what Sahara reports; 0 unknown
    // The restore marker on the module (restore_marker.hpp): its text when present, nullopt
    // when absent or not readable (DIAG silent).
    std::optional<std::string> restore_marker;
    // Restores of this module the backup store's journal shows started and never finished.
    std::vector<std::string> open_restores;
    // Those of them whose read-back differed (journal "restore-verify-failed").
    std::vector<std::string> verify_failed_restores;
    // u-blox
    std::optional<int> mno_profile;        // AT+UMNOPROF?
    std::optional<std::string> ubkupdata;  // AT+UBKUPDATA? value
    std::vector<Evidence> transcript;      // every query in order
};

// The module's newest backup in the store (for baseline-changed and identity).
struct BaselineInfo {
    std::filesystem::path bundle;
    std::string firmware;
    std::vector<std::string> imeis;
    std::string created;
    std::size_t rfnv_files = 0;  // files under /nv/item_files/rfnv in that backup
};

struct Diagnosis {
    Observation observed;
    std::optional<BaselineInfo> baseline;
    std::vector<Finding> findings;  // ranked: critical first
    bool healthy() const;           // no warning/critical findings
    const Finding* find(std::string_view id) const;
};

struct DiagnoseOptions {
    std::filesystem::path store_dir;      // backup store (--backup-dir); empty: no baseline check
    std::optional<std::string> own_imei;  // --imei (identifies the module when its IMEI is gone)
    ProgressFn progress;
};

Observation probe_module(Device& device, const ProgressFn& progress = {});
std::vector<Finding> evaluate(const Observation& observed,
                              const std::optional<BaselineInfo>& baseline);
Diagnosis diagnose(Device& device, const DiagnoseOptions& options);

// How the backup store can recognise this module (see rescue_identity.hpp).
ModuleIdentityHints identity_hints(const Device& device, const Observation& observed,
                                   const std::optional<std::string>& own_imei);

nlohmann::json to_json(const Diagnosis& diagnosis);
nlohmann::json to_json(const Finding& finding);
std::string format_text(const Diagnosis& diagnosis);  // human report for the CLI

}  // namespace cr::workflows
