typedef int emb_placeholder_synth;
