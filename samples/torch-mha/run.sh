#!/bin/sh
# torch.nn.MultiheadAttention(8, 2, batch_first=True) from its saved
# state_dict: PyTorch's weight layout (out x in), the packed in_proj
# weight and bias, the output projection and its bias.  Prints the
# output, then the weights averaged over the heads.  Run from the repo
# root.
set -e
SA=${SELFATTN:-./selfattn}
d=samples/torch-mha
"$SA" -x "$d/X.csv" --layout torch -H 2 \
	--in-proj "$d/in_proj_weight.npy" --in-proj-bias "$d/in_proj_bias.npy" \
	-w "$d/out_proj.weight.npy" --bo "$d/out_proj.bias.npy"
echo '# weights'
"$SA" -x "$d/X.csv" --layout torch -H 2 \
	--in-proj "$d/in_proj_weight.npy" --in-proj-bias "$d/in_proj_bias.npy" \
	-w "$d/out_proj.weight.npy" --bo "$d/out_proj.bias.npy" \
	-o /dev/null -a - --average-weights
