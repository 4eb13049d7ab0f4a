// The backup bundle: one file per backup (a partition image set or a calibration snapshot).
//
// Layout (all integers little-endian):
//   header   "CRBUNDL1" (8) | u32 format version (1) | u32 flags (0)
//   data     each entry's bytes as one zlib stream, back to back
//   manifest UTF-8 JSON (see BundleManifest / to_json), at most 64 MiB
//   trailer  "CRBEND01" (8) | u64 manifest offset | u64 manifest length | SHA-256 (32)
// The trailer's SHA-256 covers every byte of the file before it (header, data, manifest and the
// trailer's own offset/length fields), so one flipped byte anywhere is detected. The manifest
// sits after the data because sizes, digests and compressed sizes are known only once an entry
// has been streamed (entries are never held whole in memory).
//
// Writing is crash-safe: BundleWriter writes to a temporary name in the target directory, fsyncs,
// re-reads and verifies the file, then renames it into place (a crash leaves no half bundle
// under the final name). Reading verifies before anything is returned. A streamed entry is
// hashed, deflated and written on a worker thread while the producer reads the next bytes, and
// the bytes written are inflated and hashed again on a second one (src/util/block_pipeline.hpp).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "src/util/atomic_file.hpp"  // ByteSink
#include "src/util/bytes.hpp"

namespace cr::archive {

// settings: one "settings.json" entry, a module's AT-level settings record
// (protocols/at/settings_record.hpp). snapshot: a whole module (src/workflows/snapshot).
enum class BundleKind { partition, calibration, settings, snapshot };
std::string_view to_string(BundleKind kind);
BundleKind parse_bundle_kind(std::string_view text);  // throws DecodeError

// Who the backup belongs to. Empty strings / empty vectors mean "unknown". Numbers are kept as
// the strings tools print: chip_serial "0x1a2b3c4d", msm_hw_id "0x001990e1", pk_hash 64 hex.
struct DeviceIdentity {
    std::vector<std::string> imeis;
    std::string chip_serial;
    std::string msm_hw_id;
    std::string pk_hash;
    std::string model;     // "rm520n" / "Quectel RM520N-GL"
    std::string firmware;  // "RM520NGLAAR01A07M4G"
};
nlohmann::json to_json(const DeviceIdentity& identity);
DeviceIdentity identity_from_json(const nlohmann::json& json);  // throws DecodeError
// Same device: equal non-empty chip serials, or (when a serial is missing on either side) a
// shared IMEI. Two identities without serial and IMEI never match.
bool same_device(const DeviceIdentity& a, const DeviceIdentity& b);
std::string describe(const DeviceIdentity& identity);  // "rm520n serial 0x.. IMEI ..." for humans

struct BundleEntry {
    std::string name;          // unique in a bundle: "efs2", "nv/550/sub0", "efs/nv/item_files/x"
    std::uint64_t size = 0;    // uncompressed bytes
    std::string sha256;        // of the uncompressed bytes, lowercase hex
    std::uint64_t offset = 0;  // of the zlib stream in the file
    std::uint64_t compressed_size = 0;
    nlohmann::json metadata = nlohmann::json::object();  // free-form, owner-defined
};

struct BundleManifest {
    BundleKind kind = BundleKind::partition;
    std::string created;       // UTC ISO-8601 "2026-11-22T03:21:40Z"
    std::string tool_version;  // cellrescue version that wrote it
    DeviceIdentity identity;
    nlohmann::json metadata = nlohmann::json::object();  // bundle-level, owner-defined
    std::vector<BundleEntry> entries;
};
nlohmann::json to_json(const BundleManifest& manifest);
// Validates types and that every entry lies inside [header end, data_end) without overlap and
// names are unique and non-empty. Throws DecodeError.
BundleManifest manifest_from_json(const nlohmann::json& json, std::uint64_t data_end);

// Streams entries into a new bundle. Use: construct, add entries, commit(). Destroying a writer
// that was not committed deletes its temporary file; the target is never touched then.
class BundleWriter {
  public:
    // The target's directory is created if needed. Throws IoError if the temp file can't be made.
    BundleWriter(std::filesystem::path target, BundleKind kind, DeviceIdentity identity,
                 nlohmann::json metadata = nlohmann::json::object());
    ~BundleWriter();
    BundleWriter(const BundleWriter&) = delete;
    BundleWriter& operator=(const BundleWriter&) = delete;

    // A whole small entry (an NV item, an EFS file).
    void add(const std::string& name, ByteView data,
             nlohmann::json metadata = nlohmann::json::object());
    // A large entry: `produce` pushes the bytes through the sink in chunks of any size (a
    // partition read straight from the device); the sink copies them into a bounded queue
    // (2 MiB) and returns, so the producer's next read overlaps the hashing and compression.
    // Every entry is inflated back from the bytes written and checked against its size and
    // SHA-256 before add_streamed returns (VerifyError). If `produce` or the sink throws (a
    // write error surfaces at a later sink call), the bundle is abandoned (nothing is renamed)
    // and the exception propagates.
    void add_streamed(const std::string& name, const std::function<void(const ByteSink&)>& produce,
                      nlohmann::json metadata = nlohmann::json::object());
    // Bundle-level metadata may still be changed before commit.
    nlohmann::json& metadata();
    // An added entry's metadata, for facts known only once it was streamed (a snapshot's erased
    // NAND pages). Throws NotFoundError for a name not added.
    nlohmann::json& entry_metadata(const std::string& name);

    // Writes manifest + trailer, fsyncs, verifies the file by reading it back in full (the
    // whole-file checksum proves the bytes on disk are the bytes written, which every entry was
    // inflated from and checked as it was added) and its manifest, renames it to the target and
    // fsyncs the directory. Returns the final manifest. Throws IoError / VerifyError; on error
    // nothing exists under the target.
    BundleManifest commit();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Pulls one entry's inflated bytes in order. At the end of the entry it checks size and SHA-256
// and throws VerifyError on a mismatch (so a consumer sees the error before its last chunk is
// acknowledged). Owned by / must not outlive its BundleReader.
class EntryStream {
  public:
    ~EntryStream();
    EntryStream(EntryStream&&) noexcept;
    EntryStream& operator=(EntryStream&&) noexcept;
    // Fills up to out.size() bytes; returns 0 only at the (verified) end of the entry.
    std::size_t read(std::span<std::uint8_t> out);
    std::uint64_t remaining() const;

    struct Impl;
    explicit EntryStream(std::unique_ptr<Impl> impl);

  private:
    std::unique_ptr<Impl> impl_;
};

// Opens and verifies a bundle. Errors are DecodeError (not a bundle, malformed manifest) or
// VerifyError (checksum or entry digest mismatch), each naming the file and what is wrong.
class BundleReader {
  public:
    enum class Check {
        full,      // whole-file SHA-256 on open (the default: use before writing to a device)
        manifest,  // trailer + manifest only (cheap listing); entries still verified on read
    };
    static BundleReader open(const std::filesystem::path& file, Check check = Check::full);
    // Reads a bundle held in memory (tests, fuzzing).
    static BundleReader from_memory(Bytes data, Check check = Check::full);
    ~BundleReader();
    BundleReader(BundleReader&&) noexcept;
    BundleReader& operator=(BundleReader&&) noexcept;

    const BundleManifest& manifest() const;
    const std::string& source() const;  // the file name (for messages)
    const BundleEntry* find(std::string_view name) const;
    const BundleEntry& require(std::string_view name) const;  // throws NotFoundError

    // Inflates an entry through `sink` in chunks; checks size and SHA-256 at the end and throws
    // VerifyError on a mismatch (so callers writing to a device should call verify_entry or
    // open with Check::full first: the whole-file checksum then already vouches for it).
    void read_entry(const BundleEntry& entry, const ByteSink& sink) const;
    Bytes read_entry(const BundleEntry& entry) const;  // small entries only
    EntryStream open_entry(const BundleEntry& entry) const;
    // Inflates and checks an entry without keeping its bytes.
    void verify_entry(const BundleEntry& entry) const;
    // Every entry (plus the whole-file checksum if it was not done on open).
    void verify_all() const;

    struct Impl;
    explicit BundleReader(std::unique_ptr<Impl> impl);

  private:
    std::unique_ptr<Impl> impl_;
};

// Current UTC time as the manifest's ISO-8601 string.
std::string utc_now_iso8601();
// The version string written into manifests.
std::string tool_version();

}  // namespace cr::archive
