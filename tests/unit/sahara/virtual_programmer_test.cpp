#include <gtest/gtest.h>

#include "sim/edl/crash_memory.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/util/error.hpp"
#include "src/workflows/sahara/sahara_ramdump.hpp"

namespace cr::sim {
namespace {

const ProgrammerIdentity kId{0x001990e1, std::string(64, 'c'), "rm520n"};

TEST(VirtualProgrammer, LayoutPassesTheTargetChecks) {
    Bytes p = make_virtual_programmer(kId, 100 * 1024);
    ASSERT_EQ(p.size(), 100u * 1024);
    EXPECT_EQ(make_virtual_programmer(kId, 100 * 1024), p);  // deterministic
    std::uint64_t phoff = 0;
    std::uint32_t phnum = 0;
    ASSERT_EQ(check_elf_header(ByteView(p).first(kElfHeaderSize), phoff, phnum), 0u);
    EXPECT_EQ(phoff, 64u);
    EXPECT_EQ(phnum, 2u);
    ProgrammerLayout layout;
    ASSERT_EQ(check_program_headers(ByteView(p).subspan(phoff, phnum * kProgramHeaderSize), layout),
              0u);
    EXPECT_EQ(layout.payload_offset, kPayloadOffset);
    EXPECT_EQ(layout.sign_offset + kSignBlockSize, p.size());
    Bytes digest;
    EXPECT_EQ(check_sign_block(ByteView(p).subspan(layout.sign_offset), kId, layout, digest), 0u);
    EXPECT_EQ(digest.size(), 32u);
}

TEST(VirtualProgrammer, WrongChipOrKeyIs0x0D) {
    Bytes p = make_virtual_programmer(kId, 8192);
    ProgrammerLayout layout{kPayloadOffset, 8192 - kPayloadOffset - kSignBlockSize,
                            8192 - kSignBlockSize};
    Bytes d;
    auto other = kId;
    other.msm_hw_id = 0x000480e1;
    EXPECT_EQ(check_sign_block(ByteView(p).subspan(layout.sign_offset), other, layout, d), 0x0Du);
    other = kId;
    other.pk_hash_hex = std::string(64, 'd');
    EXPECT_EQ(check_sign_block(ByteView(p).subspan(layout.sign_offset), other, layout, d), 0x0Du);
}

TEST(VirtualProgrammer, HostileHeadersGetNaks) {
    std::uint64_t phoff;
    std::uint32_t phnum;
    EXPECT_EQ(check_elf_header(Bytes(64, 0), phoff, phnum), 0x14u);
    EXPECT_EQ(check_elf_header(Bytes(10, 0), phoff, phnum), 0x07u);
    Bytes p = make_virtual_programmer(kId, 8192);
    Bytes h(p.begin(), p.begin() + 64);
    h[56] = 200;  // e_phnum
    EXPECT_EQ(check_elf_header(h, phoff, phnum), 0x0Eu);
    ProgrammerLayout layout;
    EXPECT_EQ(check_program_headers(Bytes(57), layout), 0x0Fu);
    EXPECT_EQ(check_program_headers(Bytes(56), layout), 0x23u);  // no hash segment
    EXPECT_THROW(make_virtual_programmer(kId, 100), UsageError);
    EXPECT_THROW(make_virtual_programmer({1, "zz", "x"}, 8192), Error);
}

TEST(CrashMemory, DeterministicAndBounded) {
    auto m = crash_memory_for(0x000480e1, false);
    Bytes a(16), b(16);
    ASSERT_TRUE(read_crash_memory(m, m.regions[0].base + 8, a));
    ASSERT_TRUE(read_crash_memory(m, m.regions[0].base + 8, b));
    EXPECT_EQ(a, b);
    Bytes big(m.regions[2].length + 1);
    EXPECT_FALSE(read_crash_memory(m, m.regions[2].base, big));
    EXPECT_FALSE(read_crash_memory(m, 0x10, a));
    EXPECT_FALSE(read_crash_memory(m, UINT64_MAX - 4, a));
    auto m2 = crash_memory_for(0x001990e1, true);
    ASSERT_TRUE(read_crash_memory(m2, m2.regions[0].base + 8, b));
    EXPECT_NE(a, b);  // contents differ per chip
}

TEST(RamdumpNames, TargetFileNamesAreMadeSafe) {
    using workflows::safe_region_file;
    EXPECT_EQ(safe_region_file("DDRCS0_0.BIN", 0), "DDRCS0_0.BIN");
    EXPECT_EQ(safe_region_file("../../etc/passwd", 1), "etcpasswd");
    EXPECT_EQ(safe_region_file("..", 2), "region2.bin");
    EXPECT_EQ(safe_region_file("", 3), "region3.bin");
    EXPECT_EQ(safe_region_file("index.json", 4), "region4.bin");
    EXPECT_EQ(safe_region_file(".hidden", 5), "hidden");
}

}  // namespace
}  // namespace cr::sim
