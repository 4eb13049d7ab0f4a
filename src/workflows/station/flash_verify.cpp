#include "src/workflows/station/flash_verify.hpp"

#include <fmt/format.h>

#include <fstream>

#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"
#include "src/workflows/flash/flash_edl.hpp"

namespace cr::workflows {
namespace {

std::filesystem::path image_in(const package::Package& pkg, const std::filesystem::path& file) {
    for (const auto& op : pkg.operations())
        if (op.file && op.file->filename() == file.filename()) return *op.file;
    throw NotFoundError(fmt::format("verify: {} is not in the package", file.string()));
}

// SHA-256 of `bytes` bytes of the image: its data from the sector offset, then zeros.
std::string expected_digest(const std::filesystem::path& file, const package::FlashStep& s) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IoError(fmt::format("verify: cannot open {}", file.string()));
    in.seekg(static_cast<std::streamoff>(s.op.file_sector_offset * s.op.sector_size));
    Digest d(Digest::Algorithm::sha256);
    Bytes buf(1 << 16);
    std::uint64_t left = s.file_bytes;
    while (left > 0) {
        auto want = static_cast<std::streamsize>(std::min<std::uint64_t>(buf.size(), left));
        in.read(reinterpret_cast<char*>(buf.data()), want);
        auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) throw IoError(fmt::format("verify: {} is shorter than planned", file.string()));
        d.update(ByteView(buf.data(), n));
        left -= n;
    }
    Bytes zeros(buf.size(), 0);
    for (std::uint64_t pad = s.bytes - s.file_bytes; pad > 0;) {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), pad));
        d.update(ByteView(zeros.data(), n));
        pad -= n;
    }
    return to_hex(d.finish());
}

}  // namespace

FlashVerification verify_flash(EdlSession& session, const package::FlashPlan& plan,
                               const package::Package& pkg, const ProgressFn& progress) {
    FlashVerification out;
    for (const auto& s : plan.steps) {
        if (s.kind != package::StepKind::program || !s.file || !s.region) continue;
        std::string want = expected_digest(image_in(pkg, *s.file), s);
        Digest got(Digest::Algorithm::sha256);
        ProgressFn phase;
        if (progress)
            phase = [&](const ProgressEvent& e) {
                ProgressEvent c = e;
                c.phase = "verify " + s.op.label;
                progress(c);
            };
        session.firehose().read(
            to_firehose_region(*s.region), [&](ByteView d) { got.update(d); }, phase);
        (to_hex(got.finish()) == want ? out.verified : out.mismatched).push_back(s.op.label);
    }
    return out;
}

}  // namespace cr::workflows
