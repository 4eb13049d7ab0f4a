// A firmware package (Quectel layout): a directory or a .zip holding
//   update/firehose/prog*.mbn|prog*.elf, rawprogram*.xml, patch*.xml, [partition*.mbn]
//   update/<images> (referenced from the XMLs as "..\\NON-HLOS.ubi")
//   md5.txt (optional; Quectel "<x>:\\<path>:<md5>" and/or GNU "<md5>  <path>" lines, paths
//   relative to the package root: md5_list.hpp)
// open_package validates everything before a byte can be sent: XMLs parse, every referenced
// file exists inside the package and fits its partition, md5.txt matches, no path leaves the
// package. A zip is extracted, streaming and with size/ratio limits, into a private temporary
// directory that lives as long as the Package.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/package/rawprogram.hpp"
#include "src/package/sparse_image.hpp"

namespace cr::package {

struct PackageOptions {
    bool skip_md5 = false;  // --no-md5: md5.txt is not read (loud note, recorded in reports)
    bool factory = false;   // use the *_factory rawprogram (destroys calibration: explicit only)
    std::optional<std::filesystem::path> programmer;  // overrides the package's programmer
    // Zip limits (hostile archives): total uncompressed bytes, per-entry compression ratio.
    std::uint64_t max_total_uncompressed = 8ull << 30;
    std::uint64_t max_ratio = 1000;
    std::uint64_t max_entries = 10000;
};

// An operation with its file resolved to a local path and its size known.
struct PackageOp {
    RawOp op;
    std::optional<std::filesystem::path> file;  // program ops with a filename
    std::uint64_t file_bytes = 0;               // bytes of `file` that are written (sparse:
                                                // the expanded image)
    std::optional<SparseLayout> sparse;         // sparse="true": checked, with its data runs
};

class Package {
  public:
    ~Package();
    Package(Package&&) noexcept;
    Package& operator=(Package&&) noexcept;

    const std::filesystem::path& source() const;  // what the user named (dir or zip)
    const std::filesystem::path& root() const;    // package root on disk (extracted for zip)
    const std::filesystem::path& firehose_dir() const;
    const std::filesystem::path& programmer() const;                // chosen programmer file
    const std::vector<std::filesystem::path>& rawprograms() const;  // chosen, sorted
    const std::vector<std::filesystem::path>& patches() const;      // chosen, sorted
    bool factory() const;          // the factory rawprogram was chosen
    bool has_factory_xml() const;  // a *_factory rawprogram exists
    bool md5_checked() const;      // md5.txt existed, listed files and every one matched
    bool md5_skipped() const;      // --no-md5 was given
    // Program/erase operations from the chosen rawprogram XMLs, in file order.
    const std::vector<PackageOp>& operations() const;
    // DISK patches from the chosen patch XMLs, in file order.
    const std::vector<RawOp>& disk_patches() const;
    // Program entries of the *_factory rawprogram (parsed even when it is not chosen) that no
    // non-factory rawprogram writes at the same place: what only a factory flash overwrites, i.e.
    // calibration (cefs.mbn into efs2 at sector 1280 on EC25).
    const std::vector<RawOp>& factory_regions() const;
    // Notes for the user ("using ..._update.xml; ..._factory.xml ignored (needs --factory)").
    const std::vector<std::string>& notes() const;

    struct Impl;
    explicit Package(std::unique_ptr<Impl> impl);

  private:
    std::unique_ptr<Impl> impl_;
};

// Opens and validates a package. Throws NotFoundError (no such path, no programmer/rawprogram,
// missing referenced file), DecodeError (malformed XML, hostile zip, image larger than its
// partition, damaged sparse image, a sparse/unsparse pair that disagree), VerifyError (md5
// mismatch, naming the file), UsageError (--factory without a factory XML).
Package open_package(const std::filesystem::path& path, const PackageOptions& options = {});

// Turns a path as written in an XML ("..\\NON-HLOS.ubi", "sbl1.mbn") into a path under `root`,
// resolved against `base` (the XML's directory). Backslashes are separators. Throws
// DecodeError for absolute paths or paths that leave `root`.
std::filesystem::path resolve_inside(const std::filesystem::path& root,
                                     const std::filesystem::path& base, std::string_view written);

}  // namespace cr::package
