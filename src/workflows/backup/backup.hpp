// `cellrescue backup`: reads a module's calibration over DIAG (identity, every present numbered
// NV item per subscription, the whole EFS tree) into a bundle in the backup store, optionally
// exported as .xqcn/.qcn. For a device in EDL it saves the raw efs2 (fsg, modem_st1/st2)
// partitions instead. Used by the CLI and by the rescue workflow.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "nv/calibration.hpp"
#include "protocols/diag/diag_client.hpp"
#include "src/device/device.hpp"
#include "src/transport/transport.hpp"
#include "src/util/progress.hpp"
#include "src/workflows/backup/calibration_integrity.hpp"

namespace cr::workflows {

enum class CalibrationFormat { bundle, xqcn, qcn };
CalibrationFormat parse_calibration_format(std::string_view text);  // throws UsageError
// By extension: .xqcn, .qcn, else bundle.
CalibrationFormat format_from_path(const std::filesystem::path& file);

// Counters for the report and the benchmark.
struct DiagTraffic {
    std::uint64_t round_trips = 0;  // request/response pairs
    std::uint64_t bytes = 0;        // payload bytes in both directions
};

struct BackupOptions {
    std::filesystem::path store_dir;                       // the backup store (--backup-dir)
    std::optional<std::filesystem::path> output;           // -o FILE: also export here
    CalibrationFormat format = CalibrationFormat::bundle;  // format of `output`
    std::string model;  // catalogue model when known (sim devices); recorded in the identity
    // EDL path: the Firehose programmer (--programmer); else the programmer store's match.
    std::optional<std::filesystem::path> programmer;
    ProgressFn progress;
    std::size_t pipeline = diag::kDefaultPipeline;  // DIAG reads in flight (--pipeline)
};

struct BackupResult {
    nv::Calibration calibration;   // empty for raw EDL backups
    std::filesystem::path bundle;  // the bundle in the store
    std::optional<std::filesystem::path> exported;
    bool raw_partitions = false;  // EDL path: raw efs2/fsg/modem_st images
    std::size_t nv_items = 0;
    std::size_t efs_files = 0;
    std::uint64_t efs_bytes = 0;
    DiagTraffic traffic;
    // The module carried a restore marker: its calibration is half restored; the bundle says
    // so and is never used as the module's own backup.
    bool restore_incomplete = false;
};

// Reads the calibration over an open DIAG transport (no store, no files). Throws
// ProtocolError/TimeoutError/DeviceGoneError; nothing is written to the device.
nv::Calibration read_calibration(Transport& diag, const ProgressFn& progress,
                                 DiagTraffic* traffic = nullptr,
                                 std::size_t pipeline = diag::kDefaultPipeline);

// The whole backup: DIAG in normal mode, raw partitions in EDL. The bundle is written
// atomically and verified by reading it back before this returns.
BackupResult backup(Device& device, const BackupOptions& options);

// Writes `cal` as `format` to `file` (atomic); .xqcn/.qcn also get FILE.sha256. Bundles record
// cal.identity and keep every file as read; .xqcn/.qcn of a cellrescue backup are shaped as QPST
// writes them (nv::qpst_shaped), with the XQCN root named after `file`.
void export_calibration(const nv::Calibration& cal, const std::filesystem::path& file,
                        CalibrationFormat format);
// Loads a bundle, .xqcn or .qcn (by content: OLE2 magic, '<?xml', else bundle). Throws
// DecodeError/VerifyError for damaged files (a bundle with a flipped byte is refused; an
// .xqcn/.qcn whose FILE.sha256 does not match is refused before it is parsed; one without a
// digest must pass the plausibility check, calibration_integrity.hpp).
LoadedCalibration load_calibration_checked(const std::filesystem::path& file);
nv::Calibration load_calibration(const std::filesystem::path& file);  // .calibration of the above

}  // namespace cr::workflows
