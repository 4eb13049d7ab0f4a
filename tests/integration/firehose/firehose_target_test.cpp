// The Firehose client against the virtual programmer over a socketpair.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "protocols/firehose/firehose_client.hpp"
#include "protocols/partition/gpt.hpp"
#include "protocols/partition/nand_table.hpp"
#include "sim/firehose/firehose_target.hpp"
#include "sim/firehose/target_storage.hpp"
#include "src/transport/stream_transport.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace cr {
namespace {

namespace fs = std::filesystem;
using firehose::FirehoseClient;
using firehose::MemoryType;
using firehose::Region;

struct Rig {
    explicit Rig(const char* model) {
        dir = fs::temp_directory_path() /
              ("cr_fh_it_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
        fs::remove_all(dir);
        module = sim::VirtualModule::open(dir, model);
        module->update([](sim::ModuleState& s) {
            s.mode = sim::Mode::edl;
            s.firehose_running = false;
        });
        auto [h, d] = make_socket_pair("firehose test");
        host = std::move(h);
        device = std::move(d);
        thread = std::jthread([this](std::stop_token st) {
            try {
                sim::serve_firehose(*module, *device, st);
            } catch (const DeviceGoneError&) {
            }
            device->close();
        });
        client = std::make_unique<FirehoseClient>(*host);
    }
    ~Rig() {
        thread.request_stop();
        host->shutdown_write();
        if (thread.joinable()) thread.join();
        host->close();
        fs::remove_all(dir);
    }
    static int& counter() {
        static int n = 0;  // test-local unique names
        return n;
    }
    Bytes read(const Region& r) {
        Bytes out;
        client->read(r, [&](ByteView b) { out.insert(out.end(), b.begin(), b.end()); });
        return out;
    }
    void program(const Region& r, const Bytes& data) {
        std::size_t pos = 0;
        client->program(r, data.size(), [&](std::span<std::uint8_t> out) {
            std::size_t n = std::min(out.size(), data.size() - pos);
            std::copy_n(data.begin() + pos, n, out.begin());
            pos += n;
            return n;
        });
    }

    fs::path dir;
    std::shared_ptr<sim::VirtualModule> module;
    std::unique_ptr<StreamTransport> host, device;
    std::jthread thread;
    std::unique_ptr<FirehoseClient> client;
};

Bytes random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

TEST(FirehoseTarget, UfsConfigureNegotiatesOneMiBAndListsFunctions) {
    Rig rig("qcs6490-ufs");
    const auto& c = rig.client->configure(MemoryType::ufs);
    EXPECT_EQ(c.max_payload_to_target, 1u << 20);
    EXPECT_EQ(c.target_name, "QCS6490");
    EXPECT_TRUE(rig.client->supports("getsha256digest"));
    EXPECT_FALSE(rig.client->supports("poke"));
    EXPECT_FALSE(c.banner.empty());
    auto info = rig.client->storage_info(0);
    EXPECT_EQ(info.mem_type, "UFS");
    EXPECT_EQ(info.total_blocks, 65536u);
    EXPECT_EQ(info.num_physical, 6u);  // every LUN counted, as real UFS programmers do
    EXPECT_EQ(info.block_size, 4096u);
    // Each LUN answers with its own size; past the last one is a NAK naming the count.
    EXPECT_EQ(rig.client->storage_info(1).total_blocks, 2048u);
    EXPECT_EQ(rig.client->storage_info(4).total_blocks, 65536u);
    EXPECT_EQ(rig.client->storage_info(4).num_physical, 6u);
    try {
        rig.client->storage_info(6);
        FAIL() << "getstorageinfo of LUN 6 on a six-LUN UFS succeeded";
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("has 6"), std::string::npos) << e.what();
    }
}

TEST(FirehoseTarget, EmmcIsOneLunOf512ByteSectors) {
    Rig rig("msm8916-emmc");
    rig.client->configure(MemoryType::emmc);
    auto info = rig.client->storage_info(0);
    EXPECT_EQ(info.mem_type, "eMMC");
    EXPECT_EQ(info.block_size, 512u);
    EXPECT_EQ(info.num_physical, 1u);
    EXPECT_EQ(info.total_blocks, sim::require_model("msm8916-emmc").total_sectors);
    Bytes head = rig.read(Region::sectors(512, 0, 0, 34));
    auto map = partition::to_partition_map(partition::parse_gpt(head, 512), 0);
    for (const char* cal : {"modemst1", "modemst2", "fsg"}) {
        ASSERT_NE(map.find(cal), nullptr) << cal;
        EXPECT_TRUE(map.find(cal)->calibration) << cal;
    }
    ASSERT_NE(map.find("sbl1"), nullptr);
    EXPECT_EQ(map.find("sbl1")->start_sector, 393216u);
    // The calibration holds the module's EFS, not blank sectors: modemst1, modemst2 and fsg
    // start with the same image (the modem's copy and the golden copy).
    Bytes st1 = rig.read(Region::sectors(512, 0, map.find("modemst1")->start_sector, 8));
    EXPECT_NE(st1, Bytes(st1.size(), 0));
    EXPECT_EQ(rig.read(Region::sectors(512, 0, map.find("modemst2")->start_sector, 8)), st1);
    EXPECT_EQ(rig.read(Region::sectors(512, 0, map.find("fsg")->start_sector, 8)), st1);
    EXPECT_THROW(rig.read(Region::sectors(512, 1, 0, 1)), ProtocolError);  // no LUN 1
}

TEST(FirehoseTarget, NandNakOffersPayloadAndAckAdoptsSupported) {
    Rig rig("ec25");
    const auto& c = rig.client->configure(MemoryType::nand);
    EXPECT_EQ(c.max_payload_to_target, 16384u);  // NAK offered 8192, ACK said 16384 supported
    EXPECT_EQ(rig.client->chunk_size(4096), 16384u);
    EXPECT_EQ(c.target_name, "9x07");
}

TEST(FirehoseTarget, WrongMemoryTypeIsANakCarryingTheProgrammersLog) {
    Rig rig("ec25");
    try {
        rig.client->configure(MemoryType::ufs);
        FAIL() << "configure ufs on a NAND programmer succeeded";
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("Failed to initialize storage"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(rig.client->configure(MemoryType::nand).memory, MemoryType::nand);
}

TEST(FirehoseTarget, UfsGptIsReadableAndNamesModem) {
    Rig rig("qcs6490-ufs");
    rig.client->configure(MemoryType::ufs);
    // Each LUN has its own GPT: user data on 0, the boot chain on 1/2, the modem on 4.
    auto lun_map = [&](std::uint32_t lun) {
        Bytes head = rig.read(Region::sectors(4096, lun, 0, 6));
        return partition::to_partition_map(partition::parse_gpt(head, 4096), lun);
    };
    auto map = lun_map(0);
    ASSERT_NE(map.find("userdata"), nullptr);
    EXPECT_EQ(map.find("modem_a"), nullptr);
    EXPECT_NE(lun_map(1).find("xbl_a"), nullptr);
    EXPECT_NE(lun_map(2).find("xbl_b"), nullptr);
    auto modem = lun_map(4);
    ASSERT_NE(modem.find("modem_a"), nullptr);
    EXPECT_EQ(modem.find("modem_a")->num_sectors, 8192u);
    EXPECT_EQ(modem.find("modemst1")->lun, 4u);
    EXPECT_TRUE(modem.find("modemst1")->calibration);
    EXPECT_TRUE(modem.find("fsg")->calibration);
    // start_sector expressions as rawprogram XMLs write them: the backup header is last.
    Region last;
    last.sector_size = 4096;
    last.start_sector = "NUM_DISK_SECTORS-1.";
    last.num_sectors = 1;
    Bytes backup = rig.read(last);
    EXPECT_EQ(std::string(backup.begin(), backup.begin() + 8), "EFI PART");
}

TEST(FirehoseTarget, UfsProgramReadDigestEraseRoundTrip) {
    Rig rig("qcs6490-ufs");
    rig.client->configure(MemoryType::ufs);
    Bytes data = random_bytes(3 * (1 << 20) + 100, 7);  // not a whole sector: zero-padded
    Region r = Region::sectors(4096, 0, 19270, (data.size() + 4095) / 4096, "modem");
    rig.program(r, data);
    Bytes back = rig.read(r);
    ASSERT_EQ(back.size(), r.bytes());
    EXPECT_TRUE(std::equal(data.begin(), data.end(), back.begin()));
    EXPECT_TRUE(std::all_of(back.begin() + data.size(), back.end(), [](auto b) { return b == 0; }));
    EXPECT_EQ(rig.client->sha256(r), sha256_hex(back));
    rig.client->erase(r);
    Bytes erased = rig.read(r);
    EXPECT_TRUE(std::all_of(erased.begin(), erased.end(), [](auto b) { return b == 0; }));
}

TEST(FirehoseTarget, NandProgramSkipsTheFactoryBadBlock) {
    Rig rig("ec25");
    rig.client->configure(MemoryType::nand);
    const std::uint64_t modem = 8960, ppb = 64;  // modem starts at block 140; block 143 is bad
    ASSERT_TRUE(sim::bad_blocks(rig.module->state()).count(143));
    Bytes data = random_bytes(5 * ppb * 4096, 3);
    Region r = Region::sectors(4096, 0, modem, 5 * ppb, "modem");
    r.pages_per_block = 64;
    rig.program(r, data);
    EXPECT_EQ(rig.read(r), data);
    // Logical block 3 landed in physical block 144; the bad block kept its (zero) content.
    Bytes phys(ppb * 4096);
    rig.module->storage().read(144 * ppb, phys);
    EXPECT_TRUE(std::equal(phys.begin(), phys.end(), data.begin() + 3 * ppb * 4096));
    rig.module->storage().read(143 * ppb, phys);
    EXPECT_TRUE(std::all_of(phys.begin(), phys.end(), [](auto b) { return b == 0; }));
}

TEST(FirehoseTarget, NandPagesPerBlockMismatchIsRefused) {
    Rig rig("ec25");
    rig.client->configure(MemoryType::nand);
    Region r = Region::sectors(4096, 0, 8960, 64, "modem");
    r.pages_per_block = 32;
    EXPECT_THROW(rig.client->erase(r), ProtocolError);
    r.pages_per_block = 64;
    rig.client->erase(r);
    EXPECT_EQ(rig.read(r), Bytes(64 * 4096, 0xFF));
}

TEST(FirehoseTarget, NandMibibParsesToTheCatalogMap) {
    Rig rig("ec25");
    rig.client->configure(MemoryType::nand);
    Bytes pages = rig.read(Region::sectors(4096, 0, 0x280, 2));
    ASSERT_TRUE(partition::is_mibib_header(pages));
    auto map = partition::to_partition_map(
        partition::parse_nand_table(ByteView(pages).subspan(4096)), 4096, 64, 131072);
    ASSERT_NE(map.find("efs2"), nullptr);
    EXPECT_EQ(map.find("efs2")->start_sector, 1280u);
    EXPECT_EQ(map.find("0:EFS2")->raw_name, "0:EFS2");
}

TEST(FirehoseTarget, BadInputIsRefusedWithAReason) {
    Rig rig("qcs6490-ufs");
    rig.client->configure(MemoryType::ufs);
    try {
        rig.read(Region::sectors(512, 0, 0, 1));
        FAIL();
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("SECTOR_SIZE_IN_BYTES"), std::string::npos);
    }
    EXPECT_THROW(rig.read(Region::sectors(4096, 0, 65535, 2)), ProtocolError);
    EXPECT_THROW(rig.read(Region::sectors(4096, 1, 2047, 2)), ProtocolError);  // LUN 1: 2048
    Region expr;
    expr.sector_size = 4096;
    expr.start_sector = "NUM_DISK_SECTORS-(";
    expr.num_sectors = 1;
    EXPECT_THROW(rig.read(expr), ProtocolError);
    // The session survives refusals.
    EXPECT_TRUE(rig.client->nop(Millis(5000)));
}

TEST(FirehoseTarget, PatchEvaluatesCrcExpressions) {
    Rig rig("qcs6490-ufs");
    rig.client->configure(MemoryType::ufs);
    firehose::Patch p;
    p.sector_size = 4096;
    p.start_sector = "1";
    p.byte_offset = "16";
    p.size_in_bytes = 4;
    p.value = "0";
    rig.client->patch(p);
    p.value = "CRC32(1,92)";
    rig.client->patch(p);
    // The header CRC is right again: the header parses.
    Bytes head = rig.read(Region::sectors(4096, 0, 0, 6));
    EXPECT_NO_THROW(partition::parse_gpt(head, 4096));
}

TEST(FirehoseTarget, PowerResetEndsTheProgrammerLikeAnUnplug) {
    Rig rig("qcs6490-ufs");
    rig.client->configure(MemoryType::ufs);
    rig.client->power(firehose::PowerAction::reset);
    Bytes buf(16);
    EXPECT_THROW(
        {
            for (int i = 0; i < 50; ++i) (void)rig.host->read(buf, Millis(100));
        },
        DeviceGoneError);
    auto s = rig.module->state();
    EXPECT_EQ(s.mode, sim::Mode::normal);
    EXPECT_FALSE(s.firehose_running);
}

// Talks to the target with raw bytes and returns everything it answers within a short while.
std::string talk(Rig& rig, const std::string& bytes) {
    rig.host->write(as_bytes(bytes), Millis(5000));
    std::string out;
    Bytes buf(4096);
    while (out.find("<response") == std::string::npos ||
           out.rfind("</data>") < out.rfind("<response")) {
        std::size_t n = rig.host->read(buf, Millis(5000));
        if (n == 0) break;
        out.append(reinterpret_cast<const char*>(buf.data()), n);
    }
    return out;
}

TEST(FirehoseTarget, MalformedXmlAndUnknownTagsAreNakedWithALog) {
    Rig rig("qcs6490-ufs");
    rig.client->configure(MemoryType::ufs);
    std::string a =
        talk(rig, R"(<?xml version="1.0" ?><data><program SECTOR_SIZE_IN_BYTES="4096></data>)");
    EXPECT_NE(a.find("XML parse error"), std::string::npos) << a;
    EXPECT_NE(a.find(R"(value="NAK")"), std::string::npos) << a;
    std::string b = talk(rig, R"(<?xml version="1.0" ?><data><frobnicate /></data>)");
    EXPECT_NE(b.find("Unknown command &lt;frobnicate>"), std::string::npos) << b;
    // Unknown attributes are ignored, as real programmers do.
    std::string c = talk(rig, R"(<?xml version="1.0" ?><data><nop Fancy="1" /></data>)");
    EXPECT_NE(c.find(R"(value="ACK")"), std::string::npos) << c;
}

// qdl sends "<?xml ...?>\n<data>...</data>\n": the newline after </data> travels in the command's
// own transfer, before the rawmode ACK, and must not become the first raw byte.
TEST(FirehoseTarget, BytesThatCameWithTheProgramCommandAreNotRawData) {
    Rig rig("qcs6490-ufs");
    rig.client->configure(MemoryType::ufs);
    std::string ack = talk(rig,
                           "<?xml version=\"1.0\"?>\n<data><program SECTOR_SIZE_IN_BYTES=\"4096\" "
                           "num_partition_sectors=\"1\" physical_partition_number=\"0\" "
                           "start_sector=\"19270\" filename=\"x.bin\"/></data>\n");
    ASSERT_NE(ack.find(R"(rawmode="true")"), std::string::npos) << ack;
    Bytes data = random_bytes(4096, 11);
    std::string done = talk(rig, std::string(data.begin(), data.end()));
    EXPECT_NE(done.find(R"(value="ACK" rawmode="false")"), std::string::npos) << done;
    EXPECT_EQ(rig.read(Region::sectors(4096, 0, 19270, 1, "modem")), data);
}

TEST(FirehoseTarget, HostVanishingMidRawPhaseLeavesTheProgrammerRunning) {
    Rig rig("qcs6490-ufs");
    rig.client->configure(MemoryType::ufs);
    std::string ack =
        talk(rig, firehose::build_command("program", {{"SECTOR_SIZE_IN_BYTES", "4096"},
                                                      {"num_partition_sectors", "4"},
                                                      {"physical_partition_number", "0"},
                                                      {"start_sector", "19270"}}));
    ASSERT_NE(ack.find(R"(rawmode="true")"), std::string::npos) << ack;
    rig.host->write(Bytes(4096, 0xEE), Millis(5000));  // 1 of 4 sectors, then unplug
    rig.host->shutdown_write();
    rig.thread.join();  // the target noticed and ended the port (no hang)
    EXPECT_TRUE(rig.module->state().firehose_running);
    EXPECT_EQ(rig.module->state().mode, sim::Mode::edl);
}

// Upstream qdl sends a binary Sahara HELLO_RESP to a programmer that is already running and
// waits for its error reply (PROTOCOLS.md §3): the reply must come soon, not after 64 KiB.
TEST(FirehoseTarget, NonXmlInputIsAnsweredSoonWithAnErrorLogAndANak) {
    Rig rig("ec25");
    rig.client->configure(MemoryType::nand);
    // Sahara HELLO_RESP: cmd 2, length 0x30, version 2, compatible 1, status 0, mode 0, reserved.
    Bytes hello(0x30, 0);
    hello[0] = 2;
    hello[4] = 0x30;
    hello[8] = 2;
    hello[12] = 1;
    rig.host->write(hello, Millis{1000});
    std::string got;
    Bytes buf(4096);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (got.find("NAK") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::size_t n = rig.host->read(buf, Millis{200});
        got.append(reinterpret_cast<const char*>(buf.data()), n);
    }
    EXPECT_NE(got.find("ERROR: XML not formed correctly"), std::string::npos) << got;
    EXPECT_NE(got.find("value=\"NAK\""), std::string::npos) << got;
    // Text that is not XML either, then the programmer still serves commands.
    rig.host->write(as_bytes(std::string("hello programmer\n")), Millis{1000});
    got.clear();
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (got.find("NAK") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::size_t n = rig.host->read(buf, Millis{200});
        got.append(reinterpret_cast<const char*>(buf.data()), n);
    }
    EXPECT_NE(got.find("does not start with"), std::string::npos) << got;
    EXPECT_TRUE(rig.client->nop(Millis{3000}));
}

}  // namespace
}  // namespace cr
