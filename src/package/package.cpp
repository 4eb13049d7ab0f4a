// open_package: find the Quectel layout, choose programmer and XMLs deterministically, verify
// md5.txt, resolve and size-check every referenced image, all before any device is touched.
#include "src/package/package.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "src/package/md5_list.hpp"
#include "src/package/zip_extract.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace cr::package {

namespace fs = std::filesystem;

struct Package::Impl {
    fs::path source, root, firehose_dir, programmer, temp_dir;
    std::vector<fs::path> rawprograms, patches;
    bool factory = false, has_factory = false, md5_checked = false, md5_skipped = false;
    std::vector<fs::path> md5_files;                  // canonical paths md5.txt verified
    std::vector<fs::path> normal_xmls, factory_xmls;  // after one_set
    std::vector<PackageOp> ops;
    std::vector<RawOp> disk_patches, factory_regions;
    std::vector<std::string> notes;
    ~Impl() {
        if (!temp_dir.empty()) {
            std::error_code ec;
            fs::remove_all(temp_dir, ec);
        }
    }
};

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

bool starts_with_ci(const fs::path& p, std::string_view prefix) {
    return lower(p.filename().string()).rfind(prefix, 0) == 0;
}

std::vector<fs::path> sorted_files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());  // never readdir order (PROTOCOLS.md §3 hazard)
    return out;
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IoError(fmt::format("cannot read {}", file.string()));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool has_rawprogram(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return false;
    for (const auto& f : sorted_files(dir))
        if (starts_with_ci(f, "rawprogram") && lower(f.extension().string()) == ".xml") return true;
    return false;
}

// update/firehose under root, or root itself, or exactly one subdirectory's update/firehose.
fs::path find_firehose_dir(const fs::path& root) {
    for (const auto& c : {root / "update" / "firehose", root / "firehose", root})
        if (has_rawprogram(c)) return c;
    std::vector<fs::path> hits;
    std::vector<fs::path> subdirs;
    for (const auto& e : fs::directory_iterator(root))
        if (e.is_directory()) subdirs.push_back(e.path());
    std::sort(subdirs.begin(), subdirs.end());
    for (const auto& d : subdirs)
        for (const auto& c : {d / "update" / "firehose", d / "firehose"})
            if (has_rawprogram(c)) hits.push_back(c);
    if (hits.size() == 1) return hits.front();
    if (hits.empty())
        throw NotFoundError(fmt::format("{} is not a firmware package: no rawprogram*.xml in "
                                        "update/firehose/",
                                        root.string()),
                            "nothing was sent to the device",
                            "point flash at the unpacked package or its .zip");
    throw UsageError(fmt::format("{} holds several packages ({} and {})", root.string(),
                                 hits[0].string(), hits[1].string()),
                     "nothing was sent to the device", "name one of them");
}

void choose_programmer(Package::Impl& p, const PackageOptions& o) {
    if (o.programmer) {
        if (!fs::is_regular_file(*o.programmer))
            throw NotFoundError(
                fmt::format("programmer {} does not exist", o.programmer->string()));
        p.programmer = *o.programmer;
        p.notes.push_back("programmer: " + p.programmer.string() + " (--programmer)");
        return;
    }
    std::vector<fs::path> progs;
    for (const auto& f : sorted_files(p.firehose_dir)) {
        auto ext = lower(f.extension().string());
        if (starts_with_ci(f, "prog") && (ext == ".mbn" || ext == ".elf")) progs.push_back(f);
    }
    if (progs.empty())
        throw NotFoundError(
            fmt::format("no programmer (prog*.mbn / prog*.elf) in {}", p.firehose_dir.string()),
            "nothing was sent to the device",
            "pass --programmer FILE with the Firehose programmer for this chip");
    p.programmer = progs.front();
    p.notes.push_back("programmer: " + p.programmer.filename().string() +
                      (progs.size() > 1 ? " (first of several; --programmer picks another)" : ""));
}

// Where a set programs each label: LUN and first start sector (unsparse sets split one sparse
// image into several entries of the same label; the first starts where the partition does).
struct Placement {
    std::uint32_t lun = 0;
    std::string start;
    std::string origin;
};
std::map<std::string, Placement> placements(const fs::path& xml) {
    std::map<std::string, Placement> out;
    for (const auto& op : parse_rawprogram(read_text(xml), xml.filename().string())) {
        if (op.kind != OpKind::program || op.filename.empty()) continue;
        auto at = eval_sector(op.start_sector, std::nullopt);
        auto [it, fresh] =
            out.try_emplace(op.label, Placement{op.physical_partition, op.start_sector, op.origin});
        auto old = eval_sector(it->second.start, std::nullopt);
        if (!fresh && at && old && *at < *old)
            it->second = {op.physical_partition, op.start_sector, op.origin};
    }
    return out;
}

// The sparse set and its unsparse twin must write the same partitions at the same places: if
// they disagree, one of them is not what the build made, and neither can be trusted.
void check_pair(const fs::path& sparse_xml, const fs::path& unsparse_xml) {
    auto a = placements(sparse_xml), b = placements(unsparse_xml);
    auto fail = [&](const std::string& what) {
        throw DecodeError(fmt::format("{} and {} disagree: {}", sparse_xml.filename().string(),
                                      unsparse_xml.filename().string(), what),
                          "nothing was sent to the device",
                          "the package mixes two builds: re-download it");
    };
    for (const auto& [label, p] : a) {
        auto it = b.find(label);
        if (it == b.end())
            fail(fmt::format("{} writes {}, the unsparse set does not", p.origin, label));
        if (it->second.lun != p.lun || it->second.start != p.start)
            fail(fmt::format("{} writes {} at LUN {} sector {}, {} at LUN {} sector {}", p.origin,
                             label, p.lun, p.start, it->second.origin, it->second.lun,
                             it->second.start));
    }
    for (const auto& [label, p] : b)
        if (!a.count(label))
            fail(fmt::format("{} writes {}, the sparse set does not", p.origin, label));
}

// UFS/eMMC builds ship rawprogram<N>.xml (sparse images) beside rawprogram_unsparse<N>.xml (the
// same set unsparsed): a host uses one set, never both (PROTOCOLS.md §3). The unsparse one wins,
// once the two are known to agree.
std::vector<fs::path> one_set(Package::Impl& p, const std::vector<fs::path>& xmls) {
    std::vector<fs::path> out;
    for (const auto& f : xmls) {
        std::string name = lower(f.filename().string());
        std::string twin = "rawprogram_unsparse" + name.substr(std::string("rawprogram").size());
        auto twin_it = std::find_if(xmls.begin(), xmls.end(), [&](const fs::path& x) {
            return lower(x.filename().string()) == twin;
        });
        if (name.rfind("rawprogram_unsparse", 0) != 0 && twin_it != xmls.end()) {
            check_pair(f, *twin_it);
            p.notes.push_back(fmt::format(
                "ignored {}: the package also has {} (the same set unsparsed, checked to write "
                "the same partitions); one set is used, never both",
                f.filename().string(), twin_it->filename().string()));
            continue;
        }
        out.push_back(f);
    }
    return out;
}

void choose_xmls(Package::Impl& p, const PackageOptions& o) {
    std::vector<fs::path> normal, factory;
    for (const auto& f : sorted_files(p.firehose_dir)) {
        if (lower(f.extension().string()) != ".xml") continue;
        if (starts_with_ci(f, "rawprogram"))
            (lower(f.filename().string()).find("_factory") != std::string::npos ? factory : normal)
                .push_back(f);
        else if (starts_with_ci(f, "patch"))
            p.patches.push_back(f);
    }
    normal = one_set(p, normal);
    factory = one_set(p, factory);
    p.normal_xmls = normal;
    p.factory_xmls = factory;
    p.has_factory = !factory.empty();
    if (o.factory) {
        if (factory.empty())
            throw UsageError("--factory given but the package has no *_factory rawprogram XML",
                             "nothing was sent to the device", "drop --factory");
        p.factory = true;
        p.rawprograms = factory;
        p.notes.push_back("using the FACTORY rawprogram (--factory): it overwrites calibration");
        return;
    }
    if (normal.empty())
        throw UsageError(
            "the package only has a factory rawprogram XML (it erases calibration "
            "and IMEI)",
            "nothing was sent to the device",
            "use an update package, or pass --factory if you really mean it");
    p.rawprograms = normal;
    for (const auto& f : normal)
        p.notes.push_back("rawprogram: " + f.filename().string() +
                          (lower(f.filename().string()).find("_update") != std::string::npos
                               ? " (update set: leaves calibration alone)"
                               : ""));
    for (const auto& f : factory)
        p.notes.push_back(
            fmt::format("ignored {} (factory XML: overwrites calibration; needs "
                        "--factory)",
                        f.filename().string()));
}

// The file an md5.txt entry names. Packages are made on Windows, so when the exact path is
// missing a unique case-insensitive match of each component is accepted.
fs::path find_listed_file(const fs::path& root, const fs::path& base, const Md5Entry& e,
                          const std::string& md5_name) {
    fs::path file;
    try {
        file = resolve_inside(root, base, e.path);
    } catch (const DecodeError& err) {
        throw DecodeError(fmt::format("{} line {}: {}", md5_name, e.line, err.what()),
                          "nothing was sent to the device", "the package is hostile or damaged");
    }
    if (fs::is_regular_file(file)) return file;
    fs::path found = base;
    for (const auto& part : fs::path(e.path).lexically_normal()) {
        fs::path next;
        std::error_code ec;
        for (const auto& d : fs::directory_iterator(found, ec))
            if (lower(d.path().filename().string()) == lower(part.string())) next = d.path();
        if (next.empty()) {
            found.clear();
            break;
        }
        found = next;
    }
    if (!found.empty() && fs::is_regular_file(found))
        return resolve_inside(root, base, fs::relative(found, base).string());
    throw NotFoundError(
        fmt::format("{} line {} lists {} but the file is missing", md5_name, e.line, e.path),
        "nothing was sent to the device",
        "re-download the package (or pass --no-md5 if md5.txt itself is wrong)");
}

void verify_md5(Package::Impl& p, const fs::path& base, bool skip) {
    fs::path md5;
    for (const auto& c :
         {base / "md5.txt", p.root / "md5.txt", p.firehose_dir.parent_path() / "md5.txt"})
        if (fs::is_regular_file(c)) {
            md5 = c;
            break;
        }
    if (skip) {
        p.md5_skipped = true;
        spdlog::warn("md5.txt NOT checked (--no-md5): damaged images would be flashed as they are");
        p.notes.push_back(md5.empty() ? "WARNING: --no-md5 given (the package has no md5.txt)"
                                      : "WARNING: md5.txt NOT checked (--no-md5)");
        return;
    }
    if (md5.empty()) {
        p.notes.push_back("no md5.txt: file integrity not checked");
        return;
    }
    Md5List list = parse_md5_list(read_text(md5), md5.filename().string());
    for (const auto& e : list.entries) {
        fs::path file = find_listed_file(p.root, md5.parent_path(), e, md5.filename().string());
        std::string got = file_digest_hex(file, Digest::Algorithm::md5);
        if (e.md5 != got)
            throw VerifyError(
                fmt::format("md5 mismatch for {} (md5.txt line {}): md5.txt says {}, the file "
                            "has {}",
                            e.path, e.line, e.md5, got),
                "nothing was sent to the device",
                "the package is damaged or was modified: re-download it");
        p.md5_files.push_back(fs::weakly_canonical(file));
    }
    if (list.entries.empty()) {
        p.notes.push_back(
            fmt::format("md5.txt lists no files ({} lines skipped): integrity not "
                        "checked",
                        list.skipped_lines));
        return;
    }
    p.md5_checked = true;
    p.notes.push_back(fmt::format(
        "md5.txt: {} files verified{}", list.entries.size(),
        list.skipped_lines ? fmt::format(" ({} header/note lines skipped)", list.skipped_lines)
                           : ""));
}

// Images the XMLs write that md5.txt does not list: say so rather than imply they were checked.
void note_unlisted(Package::Impl& p) {
    if (!p.md5_checked) return;
    std::vector<std::string> unlisted;
    for (const auto& op : p.ops)
        if (op.file &&
            std::find(p.md5_files.begin(), p.md5_files.end(), fs::weakly_canonical(*op.file)) ==
                p.md5_files.end() &&
            std::find(unlisted.begin(), unlisted.end(), op.file->filename().string()) ==
                unlisted.end())
            unlisted.push_back(op.file->filename().string());
    if (unlisted.empty()) return;
    std::string names;
    for (const auto& u : unlisted) names += (names.empty() ? "" : ", ") + u;
    p.notes.push_back("not listed in md5.txt (not checked): " + names);
}

PackageOp resolve_op(const Package::Impl& p, const RawOp& op) {
    PackageOp po{op, std::nullopt, 0, std::nullopt};
    if (op.kind != OpKind::program) return po;
    fs::path file = resolve_inside(p.root, p.firehose_dir, op.filename);
    if (!fs::is_regular_file(file))
        throw NotFoundError(
            fmt::format("{}: image {} is missing from the package", op.origin, op.filename),
            "nothing was sent to the device", "the package is incomplete: re-download it");
    std::uint64_t size = fs::file_size(file);
    std::uint64_t skip = op.file_sector_offset * op.sector_size;
    if (skip > size)
        throw DecodeError(
            fmt::format("{}: file_sector_offset lies past the end of {}", op.origin, op.filename));
    po.file = file;
    po.file_bytes = size - skip;
    if (op.sparse) {
        if (skip)
            throw DecodeError(fmt::format("{}: file_sector_offset on the sparse image {}",
                                          op.origin, op.filename),
                              "nothing was sent to the device", "the package is damaged");
        po.sparse = inspect_sparse(file, op.sector_size, op.origin,
                                   op.num_sectors ? op.num_sectors * op.sector_size : UINT64_MAX);
        po.file_bytes = po.sparse->expanded_bytes;
    }
    if (po.file_bytes == 0)
        throw DecodeError(fmt::format("{}: image {} is empty", op.origin, op.filename),
                          "nothing was sent to the device", "re-download the package");
    if (op.num_sectors && po.file_bytes > op.num_sectors * op.sector_size)
        throw DecodeError(
            fmt::format("{}: image {} ({} bytes{}) is larger than partition {} ({} "
                        "bytes)",
                        op.origin, op.filename, po.file_bytes, po.sparse ? " once unsparsed" : "",
                        op.label, op.num_sectors * op.sector_size),
            "nothing was sent to the device",
            "the package does not fit this partition layout: check the model");
    return po;
}

void load_operations(Package::Impl& p, const std::vector<fs::path>& normal_xmls,
                     const std::vector<fs::path>& factory_xmls) {
    for (const auto& x : p.rawprograms)
        for (const auto& op : parse_rawprogram(read_text(x), x.filename().string())) {
            if (op.kind == OpKind::program && op.filename.empty()) {
                spdlog::debug("{}: {} has no file: skipped", op.origin, op.label);
                continue;
            }
            p.ops.push_back(resolve_op(p, op));
            if (const auto& sp = p.ops.back().sparse)
                p.notes.push_back(fmt::format(
                    "{}: {} is a sparse image ({} bytes unsparsed, {} data runs): {} bytes are "
                    "sent, DONT_CARE chunks are skipped",
                    op.origin, op.filename, sp->expanded_bytes, sp->runs.size(), sp->data_bytes()));
        }
    for (const auto& x : p.patches)
        for (auto& op : parse_patch(read_text(x), x.filename().string()))
            if (op.filename == "DISK") p.disk_patches.push_back(std::move(op));
    std::vector<RawOp> normal;
    for (const auto& x : normal_xmls)
        for (auto& op : parse_rawprogram(read_text(x), x.filename().string()))
            if (op.kind == OpKind::program) normal.push_back(std::move(op));
    for (const auto& x : factory_xmls)
        for (auto& op : parse_rawprogram(read_text(x), x.filename().string())) {
            if (op.kind != OpKind::program || op.filename.empty()) continue;
            bool also_normal = std::any_of(normal.begin(), normal.end(), [&](const RawOp& n) {
                return n.physical_partition == op.physical_partition &&
                       n.start_sector == op.start_sector && !n.filename.empty();
            });
            if (!also_normal) p.factory_regions.push_back(std::move(op));
        }
}

fs::path make_temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "cellrescue-pkg-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw IoError("cannot create a temporary directory");
    return tmpl;
}

}  // namespace

fs::path resolve_inside(const fs::path& root, const fs::path& base, std::string_view written) {
    std::string p(written);
    for (char& c : p)
        if (c == '\\') c = '/';
    bool drive = p.size() >= 2 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':';
    if (p.empty() || p[0] == '/' || drive)
        throw DecodeError(fmt::format("absolute path '{}' in the package refused", written),
                          "nothing was sent to the device", "the package is hostile or damaged");
    fs::path abs_root = fs::weakly_canonical(root);
    fs::path full = fs::weakly_canonical(fs::absolute(base) / p);
    auto rel = full.lexically_relative(abs_root);
    if (rel.empty() || *rel.begin() == "..")
        throw DecodeError(fmt::format("path '{}' leaves the package", written),
                          "nothing was sent to the device", "the package is hostile or damaged");
    return full;
}

Package::Package(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Package::~Package() = default;
Package::Package(Package&&) noexcept = default;
Package& Package::operator=(Package&&) noexcept = default;
const fs::path& Package::source() const {
    return impl_->source;
}
const fs::path& Package::root() const {
    return impl_->root;
}
const fs::path& Package::firehose_dir() const {
    return impl_->firehose_dir;
}
const fs::path& Package::programmer() const {
    return impl_->programmer;
}
const std::vector<fs::path>& Package::rawprograms() const {
    return impl_->rawprograms;
}
const std::vector<fs::path>& Package::patches() const {
    return impl_->patches;
}
bool Package::factory() const {
    return impl_->factory;
}
bool Package::has_factory_xml() const {
    return impl_->has_factory;
}
bool Package::md5_checked() const {
    return impl_->md5_checked;
}
bool Package::md5_skipped() const {
    return impl_->md5_skipped;
}
const std::vector<PackageOp>& Package::operations() const {
    return impl_->ops;
}
const std::vector<RawOp>& Package::disk_patches() const {
    return impl_->disk_patches;
}
const std::vector<RawOp>& Package::factory_regions() const {
    return impl_->factory_regions;
}
const std::vector<std::string>& Package::notes() const {
    return impl_->notes;
}

Package open_package(const fs::path& path, const PackageOptions& options) {
    auto p = std::make_unique<Package::Impl>();
    p->source = path;
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw NotFoundError(fmt::format("package {} does not exist", path.string()),
                            "nothing was sent to the device", "check the path");
    if (fs::is_directory(path)) {
        p->root = fs::weakly_canonical(path);
    } else if (looks_like_zip(path)) {
        p->temp_dir = make_temp_dir();
        extract_zip(path, p->temp_dir,
                    {options.max_total_uncompressed, options.max_ratio, options.max_entries});
        p->root = fs::weakly_canonical(p->temp_dir);
    } else {
        throw UsageError(
            fmt::format("{} is neither a directory nor a .zip package", path.string()));
    }
    p->firehose_dir = find_firehose_dir(p->root);
    choose_programmer(*p, options);
    choose_xmls(*p, options);
    fs::path base = p->firehose_dir.parent_path().filename() == "update"
                        ? p->firehose_dir.parent_path().parent_path()
                        : p->firehose_dir.parent_path();
    verify_md5(*p, base, options.skip_md5);
    load_operations(*p, p->normal_xmls, p->factory_xmls);
    note_unlisted(*p);
    if (p->ops.empty())
        throw DecodeError("the package's rawprogram XML names no images to write",
                          "nothing was sent to the device", "check the package");
    return Package(std::move(p));
}

}  // namespace cr::package
