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
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDATA_DIR=${PROJECT_SOURCE_DIR}/data "-DFILES=${files_arg}"
            -DOUT=${out} -P ${GPUADV_EMBED_SCRIPT}
    DEPENDS ${abs_files} ${GPUADV_EMBED_SCRIPT}
    COMMENT "Embedding data/ (${CMAKE_CURRENT_LIST_DIR})"
    VERBATIM)
  add_library(${target} STATIC ${out})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
endfunction()
