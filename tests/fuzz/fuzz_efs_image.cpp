// Fuzzes the virtual module's on-flash EFS: the image decoder and the journal record decoder
// (sim/diag/efs_store.hpp, efs_journal.hpp). The bytes come from a partition anyone can write
// over Firehose, so nothing in them may crash the DIAG target.
#include "sim/diag/efs_journal.hpp"
#include "sim/diag/efs_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cr;
    using namespace cr::sim;
    ByteView in(data, size);
    if (auto tree = EfsTree::deserialize(in)) {
        (void)tree->serialize();
        (void)efs_health(*tree);
    }
    (void)efs_image_size(in);
    EfsTree skeleton = EfsTree::skeleton();
    if (auto change = decode_efs_change(in)) {
        apply_efs_change(skeleton, *change);
        (void)encode_efs_change(*change);
    }
    return 0;
}
