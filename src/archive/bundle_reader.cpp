// BundleReader: checks framing, the whole-file SHA-256 and the manifest before handing out
// anything; entries are inflated in chunks and checked against their size and SHA-256.
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "src/archive/bundle.hpp"
#include "src/archive/bundle_format.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::archive {
namespace {

const char* kDamaged = "the bundle is damaged; use another backup (cellrescue backups list)";

struct Framing {
    std::uint64_t manifest_offset = 0;
    std::uint64_t manifest_length = 0;
    Bytes digest;
};

Framing read_framing(const detail::Source& src, const std::string& name) {
    std::uint64_t size = src.size();
    if (size < detail::kHeaderSize + detail::kTrailerSize)
        throw DecodeError(fmt::format("{} is not a backup bundle (too short)", name), {}, kDamaged);
    Bytes header(detail::kHeaderSize);
    src.read_at(0, header);
    if (!std::equal(detail::kHeaderMagic.begin(), detail::kHeaderMagic.end(), header.begin()))
        throw DecodeError(fmt::format("{} is not a backup bundle (bad magic)", name), {}, kDamaged);
    if (load_le32(header.data() + 8) != detail::kFormatVersion)
        throw DecodeError(fmt::format("{}: unsupported bundle format version", name));
    Bytes trailer(detail::kTrailerSize);
    src.read_at(size - detail::kTrailerSize, trailer);
    ByteReader r(trailer, "bundle trailer");
    ByteView magic = r.bytes(8);
    if (!std::equal(magic.begin(), magic.end(), detail::kTrailerMagic.begin()))
        throw DecodeError(fmt::format("{} is truncated or damaged (no trailer)", name), {},
                          kDamaged);
    Framing f;
    f.manifest_offset = r.u64();
    f.manifest_length = r.u64();
    ByteView d = r.bytes(detail::kDigestSize);
    f.digest.assign(d.begin(), d.end());
    std::uint64_t end = size - detail::kTrailerSize;
    if (f.manifest_offset < detail::kHeaderSize || f.manifest_offset > end ||
        f.manifest_length != end - f.manifest_offset || f.manifest_length > detail::kMaxManifest)
        throw DecodeError(fmt::format("{}: trailer points outside the file", name), {}, kDamaged);
    return f;
}

void check_file_digest(const detail::Source& src, const Framing& f, const std::string& name) {
    Digest d(Digest::Algorithm::sha256);
    std::uint64_t covered = src.size() - detail::kDigestSize;
    Bytes buf(detail::kChunk);
    for (std::uint64_t pos = 0; pos < covered;) {
        std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), covered - pos));
        src.read_at(pos, std::span(buf.data(), n));
        d.update(ByteView(buf.data(), n));
        pos += n;
    }
    Bytes got = d.finish();
    if (got != f.digest)
        throw VerifyError(fmt::format("{} failed its checksum (SHA-256 {} expected {}): the file "
                                      "was changed or damaged",
                                      name, to_hex(got), to_hex(f.digest)),
                          "nothing was written to any device", kDamaged);
}

}  // namespace

struct EntryStream::Impl {
    std::shared_ptr<const detail::Source> src;
    std::string bundle;
    BundleEntry entry;
    z_stream z{};
    bool z_open = false;
    std::uint64_t in_pos = 0;  // compressed bytes consumed from the source
    std::uint64_t produced = 0;
    Bytes in_buf = Bytes(64 * 1024);
    Digest digest{Digest::Algorithm::sha256};
    bool done = false;

    ~Impl() {
        if (z_open) inflateEnd(&z);
    }
    [[noreturn]] void fail(const std::string& why) {
        throw VerifyError(fmt::format("{}: entry '{}' is damaged ({})", bundle, entry.name, why),
                          {}, kDamaged);
    }
    void refill() {
        std::uint64_t left = entry.compressed_size - in_pos;
        if (left == 0) fail("compressed data ends early");
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(in_buf.size(), left));
        src->read_at(entry.offset + in_pos, std::span(in_buf.data(), n));
        in_pos += n;
        z.next_in = in_buf.data();
        z.avail_in = static_cast<uInt>(n);
    }
    void finish() {
        done = true;
        if (z.avail_in != 0 || in_pos != entry.compressed_size)
            fail("data after the end of the stream");
        if (produced != entry.size)
            fail(fmt::format("{} bytes instead of {}", produced, entry.size));
        std::string got = digest.finish_hex();
        if (got != entry.sha256) fail(fmt::format("SHA-256 {} expected {}", got, entry.sha256));
    }
    std::size_t read(std::span<std::uint8_t> out) {
        if (done || out.empty()) return 0;
        z.next_out = out.data();
        z.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size(), 1u << 30));
        while (z.avail_out > 0) {
            if (z.avail_in == 0) refill();
            int rc = inflate(&z, Z_NO_FLUSH);
            if (rc == Z_STREAM_END) {
                std::size_t n = static_cast<std::size_t>(z.next_out - out.data());
                produced += n;
                if (produced > entry.size) fail("more bytes than recorded");
                digest.update(ByteView(out.data(), n));
                finish();
                return n;
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR) fail(fmt::format("zlib error {}", rc));
        }
        std::size_t n = static_cast<std::size_t>(z.next_out - out.data());
        produced += n;
        if (produced > entry.size) fail("more bytes than recorded");
        digest.update(ByteView(out.data(), n));
        return n;
    }
};

EntryStream::EntryStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EntryStream::~EntryStream() = default;
EntryStream::EntryStream(EntryStream&&) noexcept = default;
EntryStream& EntryStream::operator=(EntryStream&&) noexcept = default;
std::size_t EntryStream::read(std::span<std::uint8_t> out) {
    return impl_->read(out);
}
std::uint64_t EntryStream::remaining() const {
    return impl_->entry.size - impl_->produced;
}

struct BundleReader::Impl {
    std::shared_ptr<const detail::Source> src;
    std::string name;
    BundleManifest manifest;
    Framing framing;
    bool file_checked = false;
};

BundleReader::BundleReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BundleReader::~BundleReader() = default;
BundleReader::BundleReader(BundleReader&&) noexcept = default;
BundleReader& BundleReader::operator=(BundleReader&&) noexcept = default;

namespace {
std::unique_ptr<BundleReader::Impl> open_impl(std::shared_ptr<const detail::Source> src,
                                              std::string name, BundleReader::Check check) {
    auto impl = std::make_unique<BundleReader::Impl>();
    impl->framing = read_framing(*src, name);
    if (check == BundleReader::Check::full) {
        check_file_digest(*src, impl->framing, name);
        impl->file_checked = true;
    }
    std::string text(impl->framing.manifest_length, '\0');
    src->read_at(impl->framing.manifest_offset,
                 std::span(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded())
        throw DecodeError(fmt::format("{}: the manifest is not valid JSON", name), {}, kDamaged);
    try {
        impl->manifest = manifest_from_json(json, impl->framing.manifest_offset);
    } catch (const DecodeError& e) {
        throw DecodeError(fmt::format("{}: {}", name, e.what()), {}, kDamaged);
    }
    impl->src = std::move(src);
    impl->name = std::move(name);
    return impl;
}
}  // namespace

BundleReader BundleReader::open(const std::filesystem::path& file, Check check) {
    return BundleReader(open_impl(detail::file_source(file), file.string(), check));
}

BundleReader BundleReader::from_memory(Bytes data, Check check) {
    return BundleReader(open_impl(detail::memory_source(std::move(data)), "<memory>", check));
}

const BundleManifest& BundleReader::manifest() const {
    return impl_->manifest;
}
const std::string& BundleReader::source() const {
    return impl_->name;
}

const BundleEntry* BundleReader::find(std::string_view name) const {
    for (const auto& e : impl_->manifest.entries)
        if (e.name == name) return &e;
    return nullptr;
}

const BundleEntry& BundleReader::require(std::string_view name) const {
    if (const BundleEntry* e = find(name)) return *e;
    throw NotFoundError(fmt::format("{} has no entry '{}'", impl_->name, name));
}

EntryStream BundleReader::open_entry(const BundleEntry& entry) const {
    auto s = std::make_unique<EntryStream::Impl>();
    s->src = impl_->src;
    s->bundle = impl_->name;
    s->entry = entry;
    if (inflateInit(&s->z) != Z_OK) throw IoError("zlib inflateInit failed");
    s->z_open = true;
    return EntryStream(std::move(s));
}

void BundleReader::read_entry(const BundleEntry& entry, const ByteSink& sink) const {
    EntryStream stream = open_entry(entry);
    Bytes buf(detail::kChunk);
    while (std::size_t n = stream.read(buf)) sink(ByteView(buf.data(), n));
}

Bytes BundleReader::read_entry(const BundleEntry& entry) const {
    Bytes out;
    read_entry(entry, [&](ByteView b) { out.insert(out.end(), b.begin(), b.end()); });
    return out;
}

void BundleReader::verify_entry(const BundleEntry& entry) const {
    read_entry(entry, [](ByteView) {});
}

void BundleReader::verify_all() const {
    if (!impl_->file_checked) {
        check_file_digest(*impl_->src, impl_->framing, impl_->name);
        impl_->file_checked = true;
    }
    for (const auto& e : impl_->manifest.entries) verify_entry(e);
}

}  // namespace cr::archive
