#include "sim/core/virtual_module.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "nv/imei.hpp"
#include "sim/core/provisioning.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace cr::sim {
namespace {

// Cross-process lock on the module directory for read-modify-write of state.json.
class DirLock {
  public:
    explicit DirLock(const std::filesystem::path& dir) {
        fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~DirLock() {
        if (fd_ >= 0) ::close(fd_);  // closing releases the flock
    }
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

  private:
    int fd_ = -1;
};

std::string dir_name(std::string_view id) {
    std::string name(id);
    for (char& c : name)
        if (c == '#') c = '_';
    return name;
}

ModuleState load_state(const std::filesystem::path& dir) {
    std::ifstream in(dir / "state.json");
    if (!in) throw NotFoundError(fmt::format("virtual module state {} is missing", dir.string()));
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded())
        throw DecodeError(fmt::format("{} is not valid JSON", (dir / "state.json").string()));
    return module_state_from_json(j);
}

void save_state(const std::filesystem::path& dir, const ModuleState& state) {
    write_file_atomically(dir / "state.json", as_bytes(to_json(state).dump(2) + "\n"));
}

// Splits "rm520n#2" into model and instance text; validates the model.
const ModelSpec& model_of(std::string_view id) {
    auto hash = id.find('#');
    std::string_view model = id.substr(0, hash);
    if (hash != std::string_view::npos) {
        auto n = id.substr(hash + 1);
        if (n.empty() || n.find_first_not_of("0123456789") != std::string_view::npos)
            throw UsageError(fmt::format("'{}': the instance after '#' must be a number", id));
    }
    return require_model(model);
}

}  // namespace

ModuleState fresh_identity(const ModelSpec& model, std::string_view id) {
    Digest d(Digest::Algorithm::sha256);
    d.update(as_bytes(id));
    Bytes seed = d.finish();
    ModuleState s;
    s.id = std::string(id);
    s.model = model.id;
    s.serial = load_le32(seed.data());
    s.pk_hash_hex = sha256_hex(as_bytes(fmt::format("cellrescue virtual OEM key {}", model.id)));
    s.firmware = model.firmware;
    // A TAC-like prefix per vendor, then digits from the seed, then the Luhn digit.
    std::string body = model.vendor == Vendor::quectel ? "86753" : "35291";
    for (std::size_t i = 4; body.size() < 14; ++i) body += static_cast<char>('0' + seed[i] % 10);
    s.imeis.push_back(body + static_cast<char>('0' + nv::luhn_check_digit(body)));
    if (model.id == "rm520n" || model.id == "rm500q") {  // dual-SIM capable modules
        std::string second =
            body.substr(0, 13) + static_cast<char>('0' + (body[13] - '0' + 1) % 10);
        s.imeis.push_back(second + static_cast<char>('0' + nv::luhn_check_digit(second)));
    }
    return s;
}

VirtualModule::VirtualModule(const ModelSpec& model, std::string id, std::filesystem::path dir)
    : model_(&model), id_(std::move(id)), dir_(std::move(dir)) {}

std::shared_ptr<VirtualModule> VirtualModule::open(const std::filesystem::path& sim_dir,
                                                   std::string_view id) {
    const ModelSpec& model = model_of(id);
    auto dir = sim_dir / dir_name(id);
    std::filesystem::create_directories(dir);
    auto module = std::make_shared<VirtualModule>(model, std::string(id), dir);
    bool fresh = false;
    {
        DirLock lock(dir);
        if (!std::filesystem::exists(dir / "state.json")) {
            save_state(dir, fresh_identity(model, id));
            fresh = true;
        }
    }
    if (fresh) provision_factory(*module);
    return module;
}

std::vector<std::string> VirtualModule::list(const std::filesystem::path& sim_dir) {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(sim_dir, ec)) {
        if (!std::filesystem::exists(entry.path() / "state.json")) continue;
        try {
            ids.push_back(load_state(entry.path()).id);
        } catch (const Error&) {
            // a damaged module is reported when opened, not when listed
        }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

void VirtualModule::remove(const std::filesystem::path& sim_dir, std::string_view id) {
    (void)model_of(id);
    std::filesystem::remove_all(sim_dir / dir_name(id));
}

ModuleState VirtualModule::state() const {
    std::lock_guard guard(mutex_);
    DirLock lock(dir_);
    return load_state(dir_);
}

void VirtualModule::update(const std::function<void(ModuleState&)>& change) {
    std::lock_guard guard(mutex_);
    DirLock lock(dir_);
    ModuleState s = load_state(dir_);
    change(s);
    save_state(dir_, s);
}

StorageImage& VirtualModule::storage(std::uint32_t lun) {
    std::lock_guard guard(mutex_);
    if (model_->storage == StorageKind::none)
        throw UsageError(
            fmt::format("{} has no flash storage to address over EDL", model_->product));
    if (lun >= lun_count(*model_))
        throw UsageError(
            fmt::format("{} has no LUN {} (it has {})", model_->product, lun, lun_count(*model_)));
    if (storage_.size() <= lun) storage_.resize(lun + 1);
    if (!storage_[lun])
        storage_[lun] = std::make_unique<StorageImage>(
            dir_ / fmt::format("lun{}.img", lun), model_->sector_size, lun_sectors(*model_, lun));
    return *storage_[lun];
}

}  // namespace cr::sim
