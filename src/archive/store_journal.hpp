// The backup store's journal (<store>/journal.jsonl): one JSON object per line, appended and
// fsynced before the step it announces, so a process killed mid-way leaves a record of what
// it had begun. Today it records restores: "restore-started" before the first write to a
// module (with the module's identity and the backup), "restore-finished" after the module was
// verified and its marker removed, "restore-verify-failed" when the read-back differed. A line cut
// short by a crash is skipped when read.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cr::archive {

inline constexpr const char* kJournalName = "journal.jsonl";

// Who a journal record is about (matched like a bundle's identity: IMEI, chip serial, ESN,
// and for a virtual module its -d name).
struct JournalDevice {
    std::string name;  // -d name
    bool is_virtual = false;
    std::vector<std::string> imeis;
    std::uint32_t chip_serial = 0;
    std::uint32_t esn = 0;
};

struct RestoreEntry {
    std::string id;
    std::string started;  // UTC ISO 8601
    std::string source;   // the backup file
    JournalDevice device;
    // A "restore-verify-failed" record followed: everything was written, `differences` items
    // or files read back different (the entry stays open until a verified restore closes it).
    bool verify_failed = false;
    std::size_t differences = 0;
};

class StoreJournal {
  public:
    explicit StoreJournal(std::filesystem::path store_dir);
    std::filesystem::path file() const { return dir_ / kJournalName; }

    // Appends "restore-started" (creating the store directory); returns the entry's id.
    // Throws IoError when it cannot be written durably (the restore must not start then).
    std::string restore_started(const std::string& source, const JournalDevice& device);
    // Appends "restore-verify-failed" for an entry whose read-back differed.
    void restore_verify_failed(const std::string& id, std::size_t differences);
    // Appends "restore-finished" closing the given entries.
    void restore_finished(const std::vector<std::string>& ids);
    // Started and never finished, oldest first. A missing journal is empty.
    std::vector<RestoreEntry> open_restores() const;

  private:
    void append(const std::string& line);
    std::filesystem::path dir_;
};

}  // namespace cr::archive
