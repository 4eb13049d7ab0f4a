// Every backup counts (issue 13): what a backup holds, judged from its bytes, so that a backup
// of an already blank efs2 is recognised and never chosen.
#include <gtest/gtest.h>

#include <string>

#include "src/workflows/backup/backup_content.hpp"

namespace cr::workflows {
namespace {

Bytes filled(std::size_t n, std::uint8_t v) {
    return Bytes(n, v);
}

PartitionContent scan(std::string_view label, const std::vector<Bytes>& chunks) {
    PartitionContentScan s(label);
    for (const auto& c : chunks) s.feed(c);
    return s.result();
}

TEST(BackupContent, ErasedNandOrZeroedEmmcIsBlank) {
    EXPECT_EQ(scan("efs2", {filled(4096, 0xFF), filled(4096, 0xFF)}), PartitionContent::erased);
    EXPECT_EQ(scan("modemst1", {filled(512, 0)}), PartitionContent::erased);
    EXPECT_EQ(scan("efs2", {}), PartitionContent::erased);
    EXPECT_TRUE(is_blank(PartitionContent::erased));
}

TEST(BackupContent, Efs2WithoutCalibrationNamesIsBlankWithThemItIsNot) {
    Bytes skeleton = filled(4096, 0xFF);
    const std::string names = "/nv/item_files/modem/nvm/num";
    std::copy(names.begin(), names.end(), skeleton.begin());
    EXPECT_EQ(scan("efs2", {skeleton}), PartitionContent::no_calibration);
    EXPECT_TRUE(is_blank(PartitionContent::no_calibration));
    Bytes calibrated = skeleton;
    const std::string rf = "/nv/item_files/rfnv/00020000";
    std::copy(rf.begin(), rf.end(), calibrated.begin() + 100);
    EXPECT_EQ(scan("efs2", {calibrated}), PartitionContent::calibration);
    EXPECT_FALSE(is_blank(PartitionContent::calibration));
}

TEST(BackupContent, ANameSplitAcrossChunksIsFound) {
    Bytes a = filled(100, 0x11), b = filled(100, 0x11);
    a[98] = 'r';
    a[99] = 'f';
    b[0] = 'n';
    b[1] = 'v';
    EXPECT_EQ(scan("efs2", {a, b}), PartitionContent::calibration);
    Bytes c = filled(1, 'r'), d = filled(1, 'f'), e = filled(1, 'n'), f = filled(1, 'v');
    EXPECT_EQ(scan("efs2", {c, d, e, f}), PartitionContent::calibration);
}

TEST(BackupContent, OtherPartitionsWithDataAreNeverBlank) {
    Bytes data = filled(512, 0x5A);  // possibly encrypted: no names to look for
    EXPECT_EQ(scan("modemst1", {data}), PartitionContent::data);
    EXPECT_FALSE(is_blank(PartitionContent::data));
    EXPECT_TRUE(is_calibration_partition("efs2"));
    EXPECT_TRUE(is_calibration_partition("fsg"));
    EXPECT_FALSE(is_calibration_partition("modem"));
}

TEST(BackupContent, CalibrationBundleWithoutImeiOrRfnvIsBlank) {
    archive::StoredBundle b;
    b.manifest.kind = archive::BundleKind::calibration;
    archive::BundleEntry e;
    e.name = "efs/efs_backup/00000001";
    e.metadata = {{"path", "/nvm/num/10"}};
    b.manifest.entries.push_back(e);
    EXPECT_TRUE(backup_content(b).blank);
    b.manifest.identity.imeis = {"490154203237518"};
    EXPECT_FALSE(backup_content(b).blank);
    b.manifest.identity.imeis.clear();
    e.metadata = {{"path", "/nv/item_files/rfnv/00020000"}};
    b.manifest.entries.push_back(e);
    EXPECT_FALSE(backup_content(b).blank);
}

TEST(BackupContent, RecordedVerdictsAreUsedAndAnUnreadableBundleIsBlank) {
    archive::StoredBundle b;
    b.manifest.kind = archive::BundleKind::partition;
    archive::BundleEntry e;
    e.name = "efs2";
    b.manifest.entries.push_back(e);
    b.manifest.metadata["content"] = {{"efs2", "erased"}};
    auto c = backup_content(b);
    EXPECT_TRUE(c.blank);
    EXPECT_NE(c.summary.find("erased"), std::string::npos) << c.summary;
    b.manifest.metadata["content"] = {{"efs2", "calibration"}};
    c = backup_content(b);
    EXPECT_FALSE(c.blank);
    EXPECT_EQ(c.restorable, std::vector<std::string>{"efs2"});
    b.readable = false;
    b.error = "checksum mismatch";
    EXPECT_TRUE(backup_content(b).blank);
}

}  // namespace
}  // namespace cr::workflows

namespace cr::workflows {
namespace {

TEST(BackupContent, APartitionThatBeginsWithTheIncomingImageIsBlank) {
    Bytes image(1024);
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::uint8_t>(i * 7);
    Bytes old(4096, 0x11);
    const std::string rf = "rfnv";
    std::copy(rf.begin(), rf.end(), old.begin() + 2000);  // names behind the overwritten part
    Bytes now = old;
    std::copy(image.begin(), image.end(), now.begin());
    auto chunked = [](const Bytes& b) {
        return std::vector<Bytes>{Bytes(b.begin(), b.begin() + 300),
                                  Bytes(b.begin() + 300, b.end())};
    };
    auto scan_with = [&](const Bytes& data) {
        PartitionContentScan s("efs2", image);
        for (const auto& c : chunked(data)) s.feed(c);
        return s.result();
    };
    EXPECT_EQ(scan_with(now), PartitionContent::package_image);
    EXPECT_TRUE(is_blank(PartitionContent::package_image));
    EXPECT_EQ(scan_with(old), PartitionContent::calibration);  // not overwritten yet
    // A big image cut after its first 4 KiB: still the image's start.
    Bytes big(16384);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 13 + 1);
    Bytes part(20000, 0x22);
    std::copy(big.begin(), big.begin() + 5000, part.begin());
    PartitionContentScan cut("efs2", big);
    cut.feed(part);
    EXPECT_EQ(cut.result(), PartitionContent::package_image);
    Bytes little(20000, 0x22);
    std::copy(big.begin(), big.begin() + 1000, little.begin());
    PartitionContentScan short_cut("efs2", big);
    short_cut.feed(little);
    EXPECT_NE(short_cut.result(), PartitionContent::package_image);
}

}  // namespace
}  // namespace cr::workflows
