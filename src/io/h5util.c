typedef int emb_placeholder_h5util;
