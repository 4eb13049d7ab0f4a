// EFS2 over DIAG (PROTOCOLS.md §4, subsystem 0x13 or 0x3E): files, directories, item files,
// sync. Efficient by contract: READDIR already carries type/mode/size (no STAT per entry),
// reads are 1 KiB, small files go through one GET round trip.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/diag/diag_client.hpp"

namespace cr::diag {

namespace efs {
enum Cmd : std::uint16_t {
    kHello = 0,
    kQuery = 1,
    kOpen = 2,
    kClose = 3,
    kRead = 4,
    kWrite = 5,
    kReadlink = 7,
    kUnlink = 8,
    kMkdir = 9,
    kRmdir = 10,
    kOpendir = 11,
    kReaddir = 12,
    kClosedir = 13,
    kStat = 15,
    kLstat = 16,
    kFstat = 17,
    kPut = 38,
    kGet = 39,
    kSyncNoWait = 48,
    kSyncGetStatus = 49,
};
// open flags (octal, PROTOCOLS §4)
constexpr std::int32_t O_RDONLY_ = 0, O_WRONLY_ = 01, O_RDWR_ = 02, O_CREAT_ = 0100,
                       O_TRUNC_ = 01000, O_ITEMFILE_ = 01000000, O_AUTODIR_ = 02000000;
constexpr std::int32_t S_IFMT_ = 0170000, S_IFDIR_ = 0040000, S_IFREG_ = 0100000,
                       S_IFLNK_ = 0120000, S_IFITM_ = 0160000;
constexpr std::int32_t kEnoent = 2, kEexist = 17, kEnospc = 28, kEnotdir = 20, kEisdir = 21,
                       kEinval = 22, kEbadf = 9, kEnotempty = 39, kEnametoolong = 36, kEfbig = 27;
constexpr std::uint8_t kSubsysPrimary = 0x13, kSubsysAlternate = 0x3E;
constexpr std::uint32_t kMaxRead = 1024;  // bytes per READ request
constexpr std::uint32_t kMaxGet = 4096;   // bytes one GET may return (our limit; real
                                          // targets answer an errno beyond theirs and
                                          // the client falls back to OPEN/READ)
}  // namespace efs

// "ENOENT (no such file or directory)"
std::string efs_errno_name(std::int32_t err);

// The target answered a non-zero EFS2 errno.
class EfsError : public ProtocolError {
  public:
    EfsError(std::int32_t err, const std::string& operation, const std::string& path);
    std::int32_t err() const { return err_; }

  private:
    std::int32_t err_;
};

struct EfsStat {
    std::int32_t mode = 0;
    std::int32_t size = 0;
    std::int32_t nlink = 0;
    std::int32_t atime = 0, mtime = 0, ctime = 0;
    bool is_dir() const { return (mode & efs::S_IFMT_) == efs::S_IFDIR_; }
    bool is_item() const { return (mode & efs::S_IFMT_) == efs::S_IFITM_; }
};

struct EfsDirEntry {
    std::string name;       // entry name only (no directory)
    std::int32_t type = 0;  // 0 file, 1 dir, 2 link, 3 immovable
    std::int32_t mode = 0;
    std::int32_t size = 0;
    std::int32_t atime = 0, mtime = 0, ctime = 0;
    bool is_dir() const { return type == 1; }
    bool is_item() const { return (mode & efs::S_IFMT_) == efs::S_IFITM_; }
};

struct EfsQuery {
    std::int32_t max_name = 0, max_path = 0, max_link_depth = 0, max_file_size = 0,
                 max_dir_entries = 0, max_mounts = 0;
};

// Pure reply decoders (fuzzed): each takes the whole reply payload (4B ss cc cc ...), checks
// the header and length, and throws DecodeError for truncated or absurd values.
EfsDirEntry decode_readdir(ByteView reply, std::int32_t* seq_out = nullptr);
EfsStat decode_stat(ByteView reply);
// READ: returns the data; absurd bytes_read (negative or > remaining) throws; the errno and
// the offset the reply is for go to the out-parameters.
Bytes decode_read(ByteView reply, std::int32_t* err_out, std::uint32_t* offset_out = nullptr);
// GET: data (nbytes must match the remaining payload); errno and the request's sequence number.
Bytes decode_get(ByteView reply, std::int32_t* err_out, std::uint16_t* seq_out = nullptr);

// One file for read_files(): its size as READDIR reported it.
struct EfsFileToRead {
    std::string path;
    std::uint32_t size_hint = 0;
};
// A whole-file read's outcome: the data, or the errno that refused the file (0: read).
struct EfsFileRead {
    Bytes data;
    std::int32_t err = 0;
};

// A file found by walk().
struct EfsWalkEntry {
    std::string path;  // absolute
    EfsDirEntry entry;
};

class Efs2Client {
  public:
    // Does not talk yet; the first call runs hello() (which probes 0x13, then 0x3E).
    explicit Efs2Client(DiagClient& diag) : diag_(diag) {}

    // HELLO with the documented windows; closes all target-side fds. Probes subsystem 0x13
    // and falls back to 0x3E when the first is refused (BAD_CMD/BAD_PARM/BAD_LEN).
    void hello();
    std::uint8_t subsystem() const { return subsys_; }
    EfsQuery query();

    // Raw operations; each throws EfsError on a non-zero errno.
    std::int32_t open(std::string_view path, std::int32_t oflag, std::int32_t mode = 0644);
    void close(std::int32_t fd);
    Bytes read(std::int32_t fd, std::uint32_t offset, std::uint32_t count);     // count <= 1024
    std::uint32_t write(std::int32_t fd, std::uint32_t offset, ByteView data);  // <= 1024
    std::uint32_t opendir(std::string_view path);
    // nullopt at the end of the listing (empty name).
    std::optional<EfsDirEntry> readdir(std::uint32_t dirp, std::int32_t seq);
    void closedir(std::uint32_t dirp);
    EfsStat stat(std::string_view path);
    EfsStat lstat(std::string_view path);
    // nullopt when ENOENT (saves callers an exception for "does it exist").
    std::optional<EfsStat> try_stat(std::string_view path);
    void mkdir(std::string_view path, std::int16_t mode = 0755);
    void unlink(std::string_view path);
    void rmdir(std::string_view path);
    // Item files: GET reads the whole file in one round trip (max_len <= kMaxGet).
    Bytes get(std::string_view path, std::uint32_t max_len = efs::kMaxGet);
    // PUT writes a whole item file (flags: O_CREAT|O_AUTODIR by default).
    void put(std::string_view path, ByteView data,
             std::int32_t flags = efs::O_CREAT_ | efs::O_AUTODIR_ | efs::O_TRUNC_);
    // SYNC_NO_WAIT then SYNC_GET_STATUS polling until done (bounded by the DIAG timeout).
    void sync(std::string_view path = "/");

    // Whole-directory listing (OPENDIR, READDIR until the empty name, CLOSEDIR).
    std::vector<EfsDirEntry> list(std::string_view dir);
    // Whole-file read: GET when size_hint <= kMaxGet (falls back to OPEN/READ on error),
    // else OPEN + 1 KiB READs + CLOSE. size_hint from READDIR avoids a STAT.
    Bytes read_file(std::string_view path, std::optional<std::uint32_t> size_hint = {});
    // Whole-file reads of many files with DiagClient::pipeline() requests in flight: a GET per
    // file of up to kMaxGet bytes, else (and when a GET is refused) OPEN + 1 KiB READs + CLOSE.
    // Results in the order of `files`; a file refused with an errno (ENOENT: it went away)
    // gets that errno instead of an exception (other failures throw). `progress(n)` after
    // each of the n files.
    std::vector<EfsFileRead> read_files(std::span<const EfsFileToRead> files,
                                        const std::function<void(std::size_t)>& progress = {});
    // Whole-file write: OPEN(O_WRONLY|O_CREAT|O_TRUNC|O_AUTODIR) + 1 KiB WRITEs + CLOSE.
    void write_file(std::string_view path, ByteView data, std::int32_t mode = 0644);
    // Depth-first walk under `root` calling `visit` for every entry (dirs before their
    // contents). `visit` returns false to skip descending into a directory.
    void walk(std::string_view root, const std::function<bool(const EfsWalkEntry&)>& visit);

  private:
    Bytes call(std::uint16_t cmd, ByteView body, std::string_view name);
    Bytes request_bytes(std::uint16_t cmd, ByteView body) const;
    Bytes get_request(std::string_view path, std::uint32_t max_len);
    // GETs of files[i] (all small) in flight together; refused ones are left for read_opened.
    void get_files(std::span<const EfsFileToRead> files, std::span<EfsFileRead> out,
                   std::vector<bool>& refused, const std::function<void()>& one_done);
    // The first `size` bytes of an open file, READs in flight together (fewer at its end).
    Bytes read_span(std::int32_t fd, std::uint32_t size);
    // OPEN, read (read_span with a size, else READ until a short one), CLOSE.
    Bytes read_opened(std::string_view path, std::optional<std::uint32_t> size_hint);
    void ensure_hello();
    DiagClient& diag_;
    std::uint8_t subsys_ = efs::kSubsysPrimary;
    bool hello_done_ = false;
    std::uint16_t seq_ = 0;
};

}  // namespace cr::diag
