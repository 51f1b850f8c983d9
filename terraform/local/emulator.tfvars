# LOCAL EMULATOR ONLY: applied after environments/dev.tfvars when tests/infra
# runs terraform against moto. Nothing here switches a feature off (that is
# done by the *_override.tf.tpl files beside this one); these values only make
# the whole stack destroyable at the end of the test.

image_tag = "emulator"

table_deletion_protection = false
ecr_force_delete          = true
kms_deletion_window_days  = 7
