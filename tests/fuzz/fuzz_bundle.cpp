// Fuzzes the bundle reader: the input as a bundle file, and the same input "sealed" (its trailer
// digest recomputed) so that the manifest parser and the inflater behind the checksum are
// reached too. cellrescue errors are the expected outcome; anything else is a bug.
#include <algorithm>
#include <cstdint>

#include "src/archive/bundle.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace {

void try_read(cr::Bytes data) {
    try {
        auto reader = cr::archive::BundleReader::from_memory(std::move(data));
        reader.verify_all();
    } catch (const cr::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    cr::Bytes input(data, data + size);
    try_read(input);
    if (input.size() >= 32) {
        cr::Digest d(cr::Digest::Algorithm::sha256);
        d.update(cr::ByteView(input.data(), input.size() - 32));
        cr::Bytes digest = d.finish();
        std::copy(digest.begin(), digest.end(), input.end() - 32);
        try_read(std::move(input));
    }
    return 0;
}
