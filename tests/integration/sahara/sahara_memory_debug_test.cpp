#include <gtest/gtest.h>

#include "src/util/error.hpp"
#include "target_fixture.hpp"

namespace cr::test {
namespace {

sim::SaharaTargetConfig crash_config(bool wide) {
    auto c = target_config(wide ? 3 : 2);
    c.memory_debug = true;
    c.crash = sim::crash_memory_for(0x001990e1, wide);
    return c;
}

void dump_and_check(bool wide) {
    auto cfg = crash_config(wide);
    TargetRunner target(cfg);
    auto opts = fast_options();
    opts.region_chunk = 64 * 1024;  // several chunks per large region
    sahara::Client client(*target.host, opts);
    EXPECT_EQ(client.wait_hello().mode, sahara::Mode::memory_debug);
    auto regions = client.read_memory_table();
    ASSERT_EQ(regions.size(), cfg.crash->regions.size());
    EXPECT_EQ(regions[3].filename, "DDRCS0_0.BIN");
    EXPECT_EQ(regions[3].description, "DDR CS0 part0 Memo");
    for (const auto& r : regions) {
        Bytes got;
        std::uint64_t last_done = 0;
        client.read_region(
            r.base, r.length, [&](ByteView c) { got.insert(got.end(), c.begin(), c.end()); },
            [&](const ProgressEvent& e) { last_done = e.done; });
        Bytes want(r.length);
        ASSERT_TRUE(sim::read_crash_memory(*cfg.crash, r.base, want));
        EXPECT_EQ(got, want) << r.filename;
        EXPECT_EQ(last_done, r.length);
    }
    client.reset();
    EXPECT_EQ(target.outcome().end, sim::TargetEnd::reset);
}

TEST(SaharaMemoryDebug, Table32BitAndChunkedReads) {
    dump_and_check(false);
}
TEST(SaharaMemoryDebug, Table64BitAndChunkedReads) {
    dump_and_check(true);
}

TEST(SaharaMemoryDebug, ReadOutsideRegionsIsNakedInWords) {
    auto cfg = crash_config(true);
    TargetRunner target(cfg);
    sahara::Client client(*target.host, fast_options());
    client.wait_hello();
    client.read_memory_table();
    try {
        client.read_region(0x10, 64, [](ByteView) {});
        FAIL();
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("invalid memory read"), std::string::npos) << e.what();
    }
    // The session goes on: a valid read still works.
    Bytes got;
    client.read_region(cfg.crash->regions[2].base, 4,
                       [&](ByteView c) { got.assign(c.begin(), c.end()); });
    EXPECT_EQ(got.size(), 4u);
}

TEST(SaharaMemoryDebug, UploadToCrashedTargetIsRefusedByClient) {
    auto cfg = crash_config(false);
    TargetRunner target(cfg);
    sahara::Client client(*target.host, fast_options());
    client.wait_hello();
    EXPECT_THROW(client.upload_image(Bytes(100, 1)), ProtocolError);
    EXPECT_THROW(client.read_identity(), ProtocolError);
}

TEST(SaharaMemoryDebug, TableOfANormalTargetIsRefused) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    sahara::Client client(*target.host, fast_options());
    client.wait_hello();
    EXPECT_THROW(client.read_memory_table(), ProtocolError);
}

}  // namespace
}  // namespace cr::test
