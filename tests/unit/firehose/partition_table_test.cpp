#include <gtest/gtest.h>

#include "protocols/partition/gpt.hpp"
#include "protocols/partition/nand_table.hpp"
#include "sim/firehose/sector_expression.hpp"
#include "src/util/error.hpp"

namespace cr::partition {
namespace {

std::vector<GptEntry> sample_entries() {
    GptEntry a;
    a.type[0] = 1;
    a.first_lba = 6;
    a.last_lba = 1029;
    a.name = "xbl";
    GptEntry b = a;
    b.first_lba = 1030;
    b.last_lba = 2000;
    b.name = "efs2";
    return {a, b};
}

TEST(Gpt, RoundTripsThroughWriterAndParser) {
    auto image = write_gpt(sample_entries(), 4096, 10000, Guid{});
    ASSERT_EQ(image.primary.size(), 6u * 4096);
    Gpt gpt = parse_gpt(image.primary, 4096);
    EXPECT_EQ(gpt.header.first_usable, 6u);
    EXPECT_EQ(gpt.header.last_usable, 10000u - 6);
    ASSERT_EQ(gpt.entries.size(), 2u);
    EXPECT_EQ(gpt.entries[1].name, "efs2");
    auto map = to_partition_map(gpt, 0);
    EXPECT_TRUE(map.find("EFS2")->calibration);
    EXPECT_EQ(map.find("xbl")->num_sectors, 1024u);
    // The backup header sits in the last sector and parses too.
    EXPECT_EQ(image.backup_start_lba, 10000u - 5);
    GptHeader backup = parse_gpt_header(ByteView(image.backup).subspan(4 * 4096), 4096);
    EXPECT_EQ(backup.current_lba, 9999u);
    EXPECT_EQ(parse_gpt_entries(backup, image.backup).size(), 2u);
}

TEST(Gpt, Utf16NamesDecode) {
    auto entries = sample_entries();
    entries[0].name = "modem_st1";
    entries[0].first_lba = 40;
    auto image = write_gpt(entries, 512, 4096, Guid{});
    EXPECT_EQ(parse_gpt(image.primary, 512).entries[0].name, "modem_st1");
}

TEST(Gpt, HostileTablesAreDecodeErrors) {
    auto image = write_gpt(sample_entries(), 4096, 10000, Guid{});
    Bytes bad = image.primary;
    bad[4096 + 40] ^= 1;  // first_usable changed: header CRC fails
    EXPECT_THROW(parse_gpt(bad, 4096), DecodeError);
    bad = image.primary;
    bad[2 * 4096 + 40] ^= 1;  // an entry changed: entries CRC fails
    EXPECT_THROW(parse_gpt(bad, 4096), DecodeError);
    EXPECT_THROW(parse_gpt(ByteView(image.primary).first(5000), 4096), DecodeError);
    EXPECT_THROW(parse_gpt(Bytes(3 * 4096, 0), 4096), DecodeError);
    EXPECT_THROW(parse_gpt_header(ByteView(image.primary).subspan(4096, 4096), 1000), DecodeError);
}

TEST(NandTable, RoundTripsAndMapsBlocksToPages) {
    NandTable t;
    t.entries = {
        {"0:SBL", 0, 10, {}}, {"0:EFS2", 20, 44, {}}, {"0:SYSTEM", 554, kNandGrowToEnd, {}}};
    Bytes page = write_nand_table(t, 4096);
    NandTable back = parse_nand_table(page);
    ASSERT_EQ(back.entries.size(), 3u);
    EXPECT_EQ(back.entries[1].name, "0:EFS2");
    auto map = to_partition_map(back, 4096, 64, 131072);
    EXPECT_EQ(map.find("efs2")->start_sector, 1280u);
    EXPECT_EQ(map.find("efs2")->num_sectors, 2816u);
    EXPECT_EQ(map.find("system")->num_sectors, 131072u - 554 * 64);
    EXPECT_TRUE(is_mibib_header(write_mibib_header(4096)));
    EXPECT_FALSE(is_mibib_header(Bytes(4096, 0xFF)));
}

TEST(NandTable, HostileTablesAreDecodeErrors) {
    NandTable t;
    t.version = 3;
    t.entries.assign(3, {"0:X", 0, 1, {}});
    Bytes page = write_nand_table(t, 4096);
    Bytes bad = page;
    bad[12] = 17;  // v3 allows 16
    EXPECT_THROW(parse_nand_table(bad), DecodeError);
    bad = page;
    bad[8] = 9;  // unknown version
    EXPECT_THROW(parse_nand_table(bad), DecodeError);
    bad = page;
    bad[0] ^= 1;
    EXPECT_THROW(parse_nand_table(bad), DecodeError);
    bad = page;
    bad[16] = 0x01;  // control character in a name
    EXPECT_THROW(parse_nand_table(bad), DecodeError);
    bad = page;
    bad[12] = 16;  // count beyond the given bytes
    EXPECT_THROW(parse_nand_table(ByteView(bad).first(100)), DecodeError);
}

TEST(SectorExpression, EvaluatesRawprogramArithmetic) {
    sim::ExpressionContext ctx;
    ctx.num_disk_sectors = 1000;
    EXPECT_EQ(sim::evaluate_expression("NUM_DISK_SECTORS-33.", ctx), 967u);
    EXPECT_EQ(sim::evaluate_expression("0x10 + 2*3", ctx), 22u);
    EXPECT_EQ(sim::evaluate_expression("(NUM_DISK_SECTORS-1)/2", ctx), 499u);
    EXPECT_THROW(sim::evaluate_expression("1/0", ctx), DecodeError);
    EXPECT_THROW(sim::evaluate_expression("NUM_DISK", ctx), DecodeError);
    EXPECT_THROW(sim::evaluate_expression("CRC32(1,2)", ctx), DecodeError);
    EXPECT_THROW(sim::evaluate_expression(std::string(40, '(') + "1", ctx), DecodeError);
    ctx.crc32 = [](std::uint64_t s, std::uint64_t n) {
        return static_cast<std::uint32_t>(s * 100 + n);
    };
    EXPECT_EQ(sim::evaluate_expression("CRC32(2,16)", ctx), 216u);
}

}  // namespace
}  // namespace cr::partition
