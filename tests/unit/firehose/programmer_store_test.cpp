#include <gtest/gtest.h>

#include <filesystem>

#include "src/package/programmer_store.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"

namespace cr {
namespace {

namespace fs = std::filesystem;

struct StoreDir {
    fs::path dir = fs::temp_directory_path() / ("cr_progstore_" + std::to_string(::getpid()));
    StoreDir() {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~StoreDir() { fs::remove_all(dir); }
    fs::path file(const std::string& name, const std::string& content) {
        write_file_atomically(dir / name, as_bytes(content));
        return dir / name;
    }
};

TEST(ProgrammerStore, FindsByChipAndKeyThenByChip) {
    StoreDir d;
    ProgrammerStore store(d.dir / "store");
    EXPECT_TRUE(store.list().empty());
    std::string pk(64, 'a');
    store.add(d.file("a.mbn", "AAA"), 0x480e1, pk, "test");
    store.add(d.file("b.mbn", "BBB"), 0x480e1, "", "test");
    store.add(d.file("c.mbn", "CCC"), 0, "", "test");
    EXPECT_EQ(store.find(0x480e1, std::string(64, 'A'))->name, "a.mbn");  // case-insensitive
    EXPECT_EQ(store.find(0x480e1, std::string(64, 'b'))->name, "b.mbn");  // chip only
    EXPECT_FALSE(store.find(0x1990e1, pk));
    ASSERT_EQ(store.unbound().size(), 1u);
    EXPECT_EQ(store.list().size(), 3u);
    // Same content for the same target is stored once; the file survives a reopen.
    store.add(d.file("a2.mbn", "AAA"), 0x480e1, pk, "again");
    ProgrammerStore again(d.dir / "store");
    EXPECT_EQ(again.list().size(), 3u);
    EXPECT_EQ(read_file(again.find(0x480e1, pk)->file), Bytes({'A', 'A', 'A'}));
}

TEST(ProgrammerStore, RefusesMissingEmptyAndCorrupt) {
    StoreDir d;
    ProgrammerStore store(d.dir / "store");
    EXPECT_THROW(store.add(d.dir / "nope.mbn", 0, "", "t"), NotFoundError);
    EXPECT_THROW(store.add(d.file("empty.mbn", ""), 0, "", "t"), UsageError);
    fs::create_directories(d.dir / "store");
    write_file_atomically(d.dir / "store" / "index.json", as_bytes(std::string("{not json")));
    EXPECT_THROW(store.list(), DecodeError);
}

}  // namespace
}  // namespace cr
