# Embeds the data/ tree into the binary (STYLE.md principle 9; llama.cpp xxd.cmake).
# gpuadv_embed_data(TARGET) builds a static library TARGET holding every file under
# data/ as a byte array, indexed by its path relative to data/ (e.g. "gpus/nvidia.yaml").
# The generated source is "do not edit"; it is regenerated when any data file changes.

set(GPUADV_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake)

function(gpuadv_embed_data target)
  file(GLOB_RECURSE data_files CONFIGURE_DEPENDS
       RELATIVE ${PROJECT_SOURCE_DIR}/data ${PROJECT_SOURCE_DIR}/data/*)
  list(SORT data_files)
  set(abs_files "")
  foreach(f IN LISTS data_files)
    list(APPEND abs_files ${PROJECT_SOURCE_DIR}/data/${f})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded_data.cc)
  string(REPLACE ";" "|" files_arg "${data_files}")
  # YAML files are embedded as MessagePack of their io::YamlToDoc tree (tools/yaml2json),
  # catalog files with an entry index: a lookup decodes its entry alone (issue 16 item 6).
  add_executable(gpuadv_yaml2json ${PROJECT_SOURCE_DIR}/tools/yaml2json/yaml2json.cc
                                  ${PROJECT_SOURCE_DIR}/src/gpuadv/io/yaml_doc.cc)
  target_include_directories(gpuadv_yaml2json PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(gpuadv_yaml2json PRIVATE yaml-cpp nlohmann_json::nlohmann_json)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDATA_DIR=${PROJECT_SOURCE_DIR}/data "-DFILES=${files_arg}"
            -DOUT=${out} -DCONVERTER=$<TARGET_FILE:gpuadv_yaml2json> -DCOPIES=${GPUADV_CATALOG_COPIES}
            -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/embed_json -P ${GPUADV_EMBED_SCRIPT}
    DEPENDS ${abs_files} ${GPUADV_EMBED_SCRIPT} gpuadv_yaml2json
    COMMENT "Embedding data/ (${CMAKE_CURRENT_LIST_DIR})"
    VERBATIM)
  add_library(${target} STATIC ${out})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
endfunction()

# gpuadv_embed_assets(TARGET HEADER h NAMESPACE ns FUNCTION fn FILES name=/abs/path ...)
# The same generator for files outside data/ (tools/server: web/ and the charting library's
# bundle): each file is indexed under its given name, and the header `h` declares
# `std::span<const gpuadv::EmbeddedFile> ns::fn()`, which the generated source defines.
function(gpuadv_embed_assets target)
  cmake_parse_arguments(E "" "HEADER;NAMESPACE;FUNCTION" "FILES" ${ARGN})
  set(abs_files "")
  foreach(pair IN LISTS E_FILES)
    string(FIND "${pair}" "=" eq)
    math(EXPR after "${eq} + 1")
    string(SUBSTRING "${pair}" ${after} -1 path)
    list(APPEND abs_files ${path})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}.cc)
  string(REPLACE ";" "|" pairs_arg "${E_FILES}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} "-DPAIRS=${pairs_arg}" -DOUT=${out} -DHEADER=${E_HEADER}
            -DNAMESPACE=${E_NAMESPACE} -DFUNCTION=${E_FUNCTION} -P ${GPUADV_EMBED_SCRIPT}
    DEPENDS ${abs_files} ${GPUADV_EMBED_SCRIPT}
    COMMENT "Embedding ${target}"
    VERBATIM)
  add_library(${target} STATIC ${out})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
endfunction()
