#include "nv/qcn.hpp"

#include <fmt/format.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>

#include <memory>

#include "nv/calibration_tree.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"

namespace cr::nv {

namespace {

struct Unref {
    void operator()(void* object) const {
        if (object) g_object_unref(object);
    }
};
template <typename T>
using GPtr = std::unique_ptr<T, Unref>;

[[noreturn]] void bad(const std::string& what) {
    throw DecodeError("QCN: " + what, "nothing was written to any device",
                      "the file is damaged or not a QPST QCN; use another copy");
}

void write_children(GsfOutfile* parent, const QcnNode& node) {
    for (const auto& child : node.children) {
        GPtr<GsfOutput> out(gsf_outfile_new_child(parent, child.name.c_str(), child.is_storage));
        if (!out) throw IoError("QCN: libgsf could not create " + child.name);
        if (child.is_storage) {
            write_children(GSF_OUTFILE(out.get()), child);
        } else if (!child.value.empty() &&
                   !gsf_output_write(out.get(), child.value.size(), child.value.data())) {
            throw IoError("QCN: libgsf could not write " + child.name);
        }
        gsf_output_close(out.get());
    }
}

constexpr std::size_t kMaxDepth = 16;

QcnNode read_input(GsfInput* input, std::string name, const std::string& where, std::size_t depth) {
    QcnNode node;
    node.name = std::move(name);
    std::string path = where + "/" + node.name;
    int count = GSF_IS_INFILE(input) ? gsf_infile_num_children(GSF_INFILE(input)) : -1;
    if (count < 0) {
        gsf_off_t size = gsf_input_size(input);
        if (size < 0) bad(path + ": unreadable stream size");
        node.value.resize(static_cast<std::size_t>(size));
        if (size > 0 && !gsf_input_read(input, node.value.size(), node.value.data()))
            bad(path + ": stream is truncated");
        return node;
    }
    if (depth > kMaxDepth) bad(path + ": storages nested too deep");
    node.is_storage = true;
    for (int i = 0; i < count; ++i) {
        const char* child_name = gsf_infile_name_by_index(GSF_INFILE(input), i);
        GPtr<GsfInput> child(gsf_infile_child_by_index(GSF_INFILE(input), i));
        if (!child || !child_name) bad(path + ": unreadable child entry");
        node.children.push_back(read_input(child.get(), child_name, path, depth + 1));
    }
    return node;
}

}  // namespace

Bytes write_qcn(const Calibration& cal) {
    QcnNode tree = calibration_to_tree(cal);
    GPtr<GsfOutput> sink(gsf_output_memory_new());
    {
        GPtr<GsfOutfile> ole(gsf_outfile_msole_new(sink.get()));
        if (!ole) throw IoError("QCN: libgsf could not create an OLE2 file");
        write_children(ole.get(), tree);
        gsf_output_close(GSF_OUTPUT(ole.get()));
    }
    const guint8* bytes = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(sink.get()));
    auto size = static_cast<std::size_t>(gsf_output_size(sink.get()));
    return Bytes(bytes, bytes + size);
}

Calibration read_qcn(ByteView data) {
    GPtr<GsfInput> input(
        gsf_input_memory_new(data.data(), static_cast<gsf_off_t>(data.size()), FALSE));
    if (!input) bad("empty file");
    GError* error = nullptr;
    GPtr<GsfInfile> ole(gsf_infile_msole_new(input.get(), &error));
    if (!ole) {
        std::string why = error ? error->message : "unknown reason";
        if (error) g_error_free(error);
        bad("not an OLE2 compound file (" + why + ")");
    }
    QcnNode root = read_input(GSF_INPUT(ole.get()), "", "", 0);
    root.name.clear();
    Calibration cal = calibration_from_tree(root);
    cal.group_order = kQpstGroupOrder;  // OLE2 lists children by name, not as written
    return cal;
}

Calibration read_qcn_file(const std::filesystem::path& file) {
    return read_qcn(read_file(file));
}

void write_qcn_file(const std::filesystem::path& file, const Calibration& cal) {
    write_file_atomically(file, write_qcn(cal));
}

}  // namespace cr::nv
