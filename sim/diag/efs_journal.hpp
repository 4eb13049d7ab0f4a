// The virtual EFS as ONE state for every DIAG session at once: `sim serve`'s pty, `-d sim:`
// commands, in one process or several (docs/architecture.md). Each change a session makes is
// appended to a journal right behind the image in the efs2 partition before the request is
// answered, and each request first catches up with what other sessions appended (or reloads
// when the image itself changed: a compaction elsewhere, an erase or raw write over Firehose).
//
// Journal layout, from the end of the image: records, then an end mark (20 zero bytes).
// Record: "CRJ1", u32 generation (the image's: binds records to the image they follow),
// u32 sequence (0, 1, ...), u32 body length, u32 CRC-32 (zlib) of the body; body:
// u8 op (0 set, 1 remove, 2 write), u16 path length, path, then for set: u8 type, u32 mode,
// u32 mtime, u32 data length, data; for write: u32 mtime, u32 offset, u32 data length, data.
// Reading stops at the first record that is not valid (the end mark, damage, another image's
// records). When the journal outgrows kJournalCompactAt the tree is written as a new image.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/diag/efs_store.hpp"

namespace cr::sim {

constexpr std::size_t kJournalRecordHeader = 20;
constexpr std::uint64_t kJournalCompactAt = 1u << 20;

// One change as the journal stores it.
struct EfsChange {
    enum class Op : std::uint8_t { set = 0, remove = 1, write = 2 };
    Op op = Op::set;
    std::string path;
    EfsNode node;              // set: the whole node; write: node.mtime and node.data (bytes)
    std::uint32_t offset = 0;  // write only
    bool operator==(const EfsChange&) const = default;
};

// Pure codecs (fuzzed). decode returns nullopt for a body that is not a well-formed change
// (unknown op or type, truncated, trailing bytes, a path that is not normalised).
Bytes encode_efs_change(const EfsChange& change);
std::optional<EfsChange> decode_efs_change(ByteView body);
// Applies a decoded change to a tree (write extends the file with zeros as needed; a write to
// a missing node or a directory is ignored: the journal is replayed as written).
void apply_efs_change(EfsTree& tree, const EfsChange& change);

// The EFS one DIAG session works on, kept equal to what the efs2 partition holds.
class SharedEfs {
  public:
    explicit SharedEfs(VirtualModule& module);
    ~SharedEfs();
    SharedEfs(const SharedEfs&) = delete;
    SharedEfs& operator=(const SharedEfs&) = delete;

    enum class Result { ok, refused, full };  // refused: EfsTree said no; full: ENOSPC

    // One request's exclusive access: holds the module's EFS lock (flock on DIR/.efs.lock,
    // across threads and processes) and starts from the tree as the partition holds it now.
    // One at a time per SharedEfs (a session serves its requests in order).
    class Access {
      public:
        explicit Access(SharedEfs& efs);
        ~Access();
        Access(const Access&) = delete;
        Access& operator=(const Access&) = delete;
        const EfsTree& tree() const { return efs_.tree_; }
        // Mutations: applied and journaled before they return; on `full` nothing changed.
        Result put_file(const std::string& path, ByteView data, EfsNode::Type type, bool autodir,
                        std::uint32_t mtime, std::optional<std::uint32_t> mode = {});
        Result make_dir(const std::string& path, std::uint32_t mode, std::uint32_t mtime);
        // errno-like as EfsTree::remove; 28 (ENOSPC) when the journal is full.
        int remove(const std::string& path, bool directory, std::uint32_t mtime);
        Result write(const std::string& path, std::uint32_t offset, ByteView data,
                     std::uint32_t mtime);

      private:
        Result commit(const std::vector<std::string>& paths,
                      const std::vector<std::optional<EfsNode>>& before);
        SharedEfs& efs_;
    };
    Access access() { return Access(*this); }

    // Bytes the image and its journal take in the efs2 partition now.
    std::uint64_t stored_bytes() const { return journal_end_; }

  private:
    void reload();
    void catch_up();
    // Appends (compacting first when needed); false when it cannot fit the partition.
    bool append(const std::vector<EfsChange>& changes);
    bool compact();

    VirtualModule& module_;
    std::uint64_t capacity_;
    int lock_fd_;  // this session's own open of DIR/.efs.lock (flock per request)
    EfsTree tree_;
    bool has_image_ = false;
    Bytes header_;  // the image header as last read
    std::uint32_t generation_ = 0;
    std::uint64_t journal_start_ = 0;  // end of the image
    std::uint64_t journal_end_ = 0;    // where the next record goes
    std::uint32_t next_seq_ = 0;
    std::uint64_t last_record_at_ = 0;  // 0: no record yet
    Bytes last_record_header_;
};

}  // namespace cr::sim
