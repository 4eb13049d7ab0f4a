// BundleWriter: streams zlib-compressed entries into a temporary file, then seals, verifies and
// renames it (crash-safe: the final name only ever holds a complete, verified bundle).
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <set>

#include "src/archive/bundle.hpp"
#include "src/archive/bundle_codec.hpp"
#include "src/archive/bundle_format.hpp"
#include "src/util/block_pipeline.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/util/kill_point.hpp"
#include "src/util/temp_file.hpp"

namespace cr::archive {
namespace {

std::string errno_text() {
    return std::strerror(errno);
}

}  // namespace

struct BundleWriter::Impl {
    std::filesystem::path target;
    std::filesystem::path temp;
    std::unique_ptr<LockedTemp> temp_file;  // held locked until renamed (see temp_file.hpp)
    int fd = -1;
    std::uint64_t offset = 0;
    Digest file_digest{Digest::Algorithm::sha256};
    BundleManifest manifest;
    std::set<std::string> names;
    bool broken = false;
    bool committed = false;

    void write_raw(ByteView data) {
        file_digest.update(data);
        while (!data.empty()) {
            ssize_t n = ::write(fd, data.data(), data.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                throw IoError(fmt::format("writing {} failed: {}", temp.string(), errno_text()), {},
                              "check free space in the backup directory");
            offset += static_cast<std::uint64_t>(n);
            data = data.subspan(static_cast<std::size_t>(n));
        }
    }
    void discard() {
        fd = -1;
        if (!temp.empty()) {
            std::error_code ignored;
            std::filesystem::remove(temp, ignored);
        }
        temp_file.reset();  // unlock only after removing
    }
    void add_entry(const std::string& name, const std::function<void(const ByteSink&)>& produce,
                   nlohmann::json metadata, bool threaded);
    void encode_entry(BundleEntry& entry, const std::function<void(const ByteSink&)>& produce,
                      bool threaded);
};

BundleWriter::BundleWriter(std::filesystem::path target, BundleKind kind, DeviceIdentity identity,
                           nlohmann::json metadata)
    : impl_(std::make_unique<Impl>()) {
    impl_->target = std::move(target);
    auto dir =
        impl_->target.has_parent_path() ? impl_->target.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    try {
        impl_->temp_file = std::make_unique<LockedTemp>(impl_->target);
    } catch (const IoError& e) {
        throw IoError(e.what(), "nothing was written to the device",
                      "check that the backup directory is writable (--backup-dir)");
    }
    impl_->temp = impl_->temp_file->path();
    impl_->fd = impl_->temp_file->fd();
    impl_->manifest.kind = kind;
    impl_->manifest.created = utc_now_iso8601();
    impl_->manifest.tool_version = tool_version();
    impl_->manifest.identity = std::move(identity);
    impl_->manifest.metadata =
        metadata.is_object() ? std::move(metadata) : nlohmann::json::object();
    impl_->write_raw(detail::header_bytes());
}

BundleWriter::~BundleWriter() {
    if (impl_ && !impl_->committed) impl_->discard();
}

nlohmann::json& BundleWriter::entry_metadata(const std::string& name) {
    for (auto& e : impl_->manifest.entries)
        if (e.name == name) return e.metadata;
    throw NotFoundError(fmt::format("bundle entry '{}' was not added", name));
}

nlohmann::json& BundleWriter::metadata() {
    return impl_->manifest.metadata;
}

void BundleWriter::add(const std::string& name, ByteView data, nlohmann::json metadata) {
    impl_->add_entry(
        name, [&](const ByteSink& sink) { sink(data); }, std::move(metadata), false);
}

void BundleWriter::add_streamed(const std::string& name,
                                const std::function<void(const ByteSink&)>& produce,
                                nlohmann::json metadata) {
    impl_->add_entry(name, produce, std::move(metadata), true);
}

namespace {

// A stage that runs on its own thread (a BlockPipeline) or inline (small entries: no threads).
class Stage {
  public:
    Stage(BlockPipeline::Consumer consume, bool threaded) : consume_(std::move(consume)) {
        if (threaded) pipe_.emplace(consume_);
    }
    void push(ByteView data) { pipe_ ? pipe_->push(data) : consume_(data); }
    void finish() {
        if (pipe_) pipe_->finish();
    }

  private:
    BlockPipeline::Consumer consume_;
    std::optional<BlockPipeline> pipe_;
};

}  // namespace

// Three stages, at once when `threaded` (the producer is usually a device read): the caller's
// thread produces; `encode` hashes, deflates and writes; `check` inflates the bytes written and
// hashes them again. Memory stays bounded by the pipelines' depth.
void BundleWriter::Impl::encode_entry(BundleEntry& entry,
                                      const std::function<void(const ByteSink&)>& produce,
                                      bool threaded) {
    Digest digest(Digest::Algorithm::sha256);
    detail::InflateCheck inflated;
    Stage check([&](ByteView z) { inflated.feed(z); }, threaded);
    detail::Deflater deflater([&](ByteView out) {
        write_raw(out);
        check.push(out);
    });
    Stage encode(
        [&](ByteView chunk) {
            digest.update(chunk);
            deflater.feed(chunk, Z_NO_FLUSH);
        },
        threaded);
    produce([&](ByteView chunk) {
        entry.size += chunk.size();
        encode.push(chunk);
    });
    encode.finish();  // its worker has ended: the deflater and digest are this thread's again
    deflater.feed({}, Z_FINISH);
    check.finish();
    entry.sha256 = digest.finish_hex();
    inflated.finish(entry.name, entry.size, entry.sha256);
}

void BundleWriter::Impl::add_entry(const std::string& name,
                                   const std::function<void(const ByteSink&)>& produce,
                                   nlohmann::json metadata, bool threaded) {
    if (broken || committed)
        throw IoError(
            "bundle writer is no longer usable (an earlier entry failed or it was committed)");
    if (name.empty() || !names.insert(name).second)
        throw UsageError(fmt::format("bundle entry name '{}' is empty or used twice", name));
    kill_point("bundle write entry", manifest.entries.size());  // tests: a killed backup
    BundleEntry entry;
    entry.name = name;
    entry.offset = offset;
    entry.metadata = metadata.is_object() ? std::move(metadata) : nlohmann::json::object();
    try {
        encode_entry(entry, produce, threaded);
    } catch (...) {
        broken = true;
        discard();
        throw;
    }
    entry.compressed_size = offset - entry.offset;
    spdlog::debug("bundle {}: entry {} {} bytes -> {}", target.filename().string(), name,
                  entry.size, entry.compressed_size);
    manifest.entries.push_back(std::move(entry));
}

BundleManifest BundleWriter::commit() {
    if (impl_->broken || impl_->committed) throw IoError("bundle writer is no longer usable");
    try {
        std::string text = to_json(impl_->manifest).dump();
        std::uint64_t manifest_offset = impl_->offset;
        impl_->write_raw(as_bytes(text));
        impl_->write_raw(detail::trailer_prefix(manifest_offset, text.size()));
        Bytes digest = impl_->file_digest.finish();
        impl_->write_raw(digest);
        if (::fsync(impl_->fd) != 0)
            throw IoError(fmt::format("fsync {} failed: {}", impl_->temp.string(), errno_text()));
        // Read the sealed file back before it gets its final name: its checksum proves the bytes
        // on disk are the bytes written, and add_streamed inflated those bytes for every entry.
        BundleReader::open(impl_->temp, BundleReader::Check::full);
        kill_point("bundle before rename");
        std::filesystem::rename(impl_->temp, impl_->target);
    } catch (...) {
        impl_->broken = true;
        impl_->discard();
        throw;
    }
    impl_->committed = true;
    impl_->temp_file.reset();
    impl_->fd = -1;
    auto dir =
        impl_->target.has_parent_path() ? impl_->target.parent_path() : std::filesystem::path(".");
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return impl_->manifest;
}

}  // namespace cr::archive
