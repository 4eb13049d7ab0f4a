// The virtual module's EFS2 file system, persisted inside its efs2 partition, so that erasing
// efs2 over Firehose leaves the skeleton EFS over DIAG and a raw efs2 restore brings it back.
// On eMMC/UFS modules the live EFS sits in modemst1 (efs_partition()); at the factory modemst2
// (the modem's alternate copy) and fsg (the golden copy) get the same image.
//
// On-flash format (ours, at offset 0 of the efs2 partition): an image, then a journal of the
// changes made since (efs_journal.hpp). The image: "CREFS2v2" magic, u32 entry count, u32
// payload length, u32 CRC-32 (zlib) of the payload, u32 generation (a new one each time an
// image is written), then the entries (u8 type, u32 mode, u32 mtime, u16 path length, path,
// u32 data length, data). "CREFS2v1" images (20-byte header, no generation) still read.
// Anything else (erased 0xFF NAND, zeroed UFS, a damaged image) reads as the skeleton EFS a
// real modem rebuilds at boot: a few empty directories, no /nvm/num items, no rfnv, no NV 550.
// Models without flash storage (u-blox SARA-R4) keep the same bytes in <module dir>/efs2.bin.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/virtual_module.hpp"
#include "sim/diag/diag_masks.hpp"
#include "src/util/bytes.hpp"

namespace cr::sim {

// One EFS node. Paths are absolute, normalised ("/nvm/num/550"), "/" is the root.
struct EfsNode {
    enum class Type : std::uint8_t { file = 0, dir = 1, item = 2 };
    Type type = Type::file;
    std::uint32_t mode = 0;  // permission bits (the type bits are derived from `type`)
    std::uint32_t mtime = 0;
    Bytes data;  // files and item files
    bool operator==(const EfsNode&) const = default;
};

// The time a modem stamps on what it creates before it knows the time: the GPS epoch
// (1980-01-06), e.g. the skeleton directories of a freshly formatted EFS.
constexpr std::uint32_t kEfsBootTime = 315964800;

// An EFS tree in memory (path -> node, sorted so children follow their parent).
class EfsTree {
  public:
    // The skeleton a modem builds on an empty efs2: "/", "/nv", "/nv/item_files",
    // "/nv/item_files/modem", "/nvm", "/nvm/num", "/nvm/alpha", "/policyman" (all empty).
    static EfsTree skeleton();

    const EfsNode* find(std::string_view path) const;
    EfsNode* find(std::string_view path);
    bool exists(std::string_view path) const { return find(path) != nullptr; }
    // Creates/replaces a file (parents must exist unless `autodir`); returns false if a parent
    // is missing or not a directory. Directories it creates, and a directory that gains an
    // entry, take `mtime` (0: left as they are), as on a real file system.
    bool put_file(std::string_view path, ByteView data, EfsNode::Type type, bool autodir,
                  std::uint32_t mtime = 0);
    bool make_dir(std::string_view path, std::uint32_t mode = 0755, bool parents = false,
                  std::uint32_t mtime = 0);
    // Removes a file, or an empty directory; returns errno-like codes (0, 2 ENOENT, 39 ENOTEMPTY,
    // 21 EISDIR for unlink of a dir, 20 ENOTDIR for rmdir of a file). The directory that lost
    // the entry takes `mtime` (0: unchanged).
    int remove(std::string_view path, bool directory, std::uint32_t mtime = 0);
    // Raw node access for journal replay (no checks; `path` must be normalised).
    void set_node(const std::string& path, EfsNode node);
    void erase_node(std::string_view path);
    // Direct children names of a directory, sorted.
    std::vector<std::string> children(std::string_view dir) const;

    std::size_t file_count() const;
    std::uint64_t total_bytes() const;
    const std::map<std::string, EfsNode, std::less<>>& nodes() const { return nodes_; }

    Bytes serialize() const;
    // nullopt when the bytes do not start with a valid image (magic, lengths, checksum).
    static std::optional<EfsTree> deserialize(ByteView image);

  private:
    void touch_parent(std::string_view path, std::uint32_t mtime);
    std::map<std::string, EfsNode, std::less<>> nodes_;
};

// The image header: 24 bytes (v1: 20); efs_image_payload_size() reads the payload length it
// announces (nullopt without our magic), so loaders read only what they need;
// efs_image_size() is header + payload (0 without our magic).
constexpr std::size_t kEfsImageHeaderSize = 24;
std::optional<std::uint32_t> efs_image_payload_size(ByteView header);
std::size_t efs_image_size(ByteView header);

// Path helpers: "/a/b/" -> "/a/b"; parent("/a/b") == "/a"; returns "" for invalid paths.
std::string normalize_efs_path(std::string_view path);
std::string efs_parent(std::string_view path);

// EFS path of a numbered NV item: sub 0 -> /nvm/num/<id>, sub N -> /nvm/context<N>/<id>.
std::string nv_item_path(std::uint16_t item, std::uint16_t sub);

// Loads the module's EFS from its efs2 partition: the image with its journal replayed
// (skeleton when not a valid image).
EfsTree load_efs(VirtualModule& module);
// Writes the tree as a new image (new generation, empty journal) into the efs2 partition and
// syncs it. Throws IoError when the serialized tree does not fit the partition (the DIAG
// target turns that into ENOSPC first).
void store_efs(VirtualModule& module, const EfsTree& tree);
// Bytes available for the image and its journal (the efs2 partition size).
std::uint64_t efs_capacity(VirtualModule& module);
// NAND: a page of the efs2 partition was programmed with all-0xFF data (PROTOCOLS.md §3): the
// EFS no longer mounts. Always false on other storage.
bool efs2_has_blank_programmed_pages(VirtualModule& module);
// Raw access to the bytes of the efs2 partition (or efs2.bin); reads past what was ever
// written give zeros. Throws UsageError beyond the capacity.
Bytes read_efs_bytes(VirtualModule& module, std::uint64_t offset, std::size_t length);
void write_efs_bytes(VirtualModule& module, std::uint64_t offset, ByteView data);
// Makes what was written durable (fdatasync of the backing file).
void sync_efs_bytes(VirtualModule& module);

// A calibrated factory EFS: NV items (IMEIs from the module state, NV 453 = 0), rfnv files,
// provisioning files; about 1,500 files / 3 MB. Deterministic per module id.
void write_factory_efs(VirtualModule& module);
// The same content as a tree, without writing it (tests compare against it).
EfsTree factory_efs_tree(const VirtualModule& module, const ModuleState& state);

// --- Query API (used by the virtual AT port to derive CFUN and by tests) ---
struct EfsHealth {
    bool formatted = false;      // the efs2 partition holds a valid image (not skeleton)
    bool has_imei = false;       // /nvm/num/550 present
    bool has_imei2 = false;      // /nvm/context1/550 present
    std::optional<Bytes> nv453;  // /nvm/num/453 (NV_FTM_MODE) when present
    std::size_t rfnv_files = 0;  // files under /nv/item_files/rfnv
    std::size_t nv_items = 0;    // files under /nvm/num
    std::size_t files = 0;
    std::uint64_t bytes = 0;
    // Calibrated: 550 present, 453 present and zero, rfnv populated. Otherwise the modem
    // boots to CFUN=5 (PROTOCOLS §7).
    bool calibrated() const;
};
EfsHealth efs_health(const EfsTree& tree);
EfsHealth efs_health(VirtualModule& module);

// DIAG-side runtime state kept in state.extra["diag"] (owner: sim/diag):
//   "offline": bool        CONTROL OFFLINE_D/A seen since the last reset (CFUN 7 on AT)
//   "pending_reset": bool  NV/EFS written over DIAG since the last reset (CFUN 7 until RESET)
//   "spc_unlocked": bool   SPC accepted since the last reset
//   "spc_failures": int    wrong SPC attempts (3 or more: locked out until reset)
//   "log_mask", "event_report", "msg_mask": bool   what the host turned on (until reset)
struct DiagRuntime {
    bool offline = false;
    bool pending_reset = false;
    bool spc_unlocked = false;
    int spc_failures = 0;
    DiagMasks masks;
};
DiagRuntime diag_runtime(const ModuleState& state);
void set_diag_runtime(ModuleState& state, const DiagRuntime& runtime);

// The CFUN level the module's modem would report now: 7 when offline or a DIAG restore awaits
// a reset, 5 when the EFS is not calibrated, else 1. (AT+CFUN changes are the AT port's own.)
int derived_cfun(VirtualModule& module);

}  // namespace cr::sim
